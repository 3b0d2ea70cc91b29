//! A batch: one document per record, rendered on every core, streamed so that memory stays
//! flat however many records the file holds.
//!
//! The file is read twice. The first pass parses every record and computes only its file
//! name: two records that would share a file, or a file that cannot be read whole, stop the
//! run before anything is written. It keeps one name per record, nothing else. The second pass
//! reads the records again and renders them on `-j` threads, at most a few per thread in
//! flight; writer threads write each record's files (atomically, all or none) while the
//! renderers go on, and the main thread reports the outcomes in the order of the file, whatever
//! order they finish in. A record's bytes depend on the record alone, so neither `-j` nor the
//! order of completion changes any file.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use vanban::data::{self, LoadOptions, Record};
use vanban::encoding::Encoding;
use vanban::error::Error;
use vanban::output::{self, Shard};
use vanban::template::NamePattern;
use vanban::{Engine, Format};

use super::report::{Outcome, Reporter, Summary};

/// Where the files of the records go.
pub enum Target {
    /// One file, of one format (only for one record).
    File(PathBuf, Format),
    /// A folder: each record's files are named after it.
    Folder(PathBuf, Vec<Format>),
}

impl Target {
    fn formats(&self) -> Vec<Format> {
        match self {
            Target::File(_, format) => vec![*format],
            Target::Folder(_, formats) => formats.clone(),
        }
    }
}

/// How a batch runs.
pub struct Batch<'a> {
    /// The data file.
    pub data: &'a Path,
    /// How to read it.
    pub options: LoadOptions,
    /// The engine, shared by every worker.
    pub engine: &'a Engine,
    /// The template given with `-t`, if any.
    pub template: Option<&'a str>,
    /// Where the files go.
    pub target: Target,
    /// How files are named in a folder.
    pub names: NamePattern<'a>,
    /// Which records this run renders.
    pub shard: Shard,
    /// Worker threads.
    pub jobs: usize,
    /// Stop at the first failed record.
    pub fail_fast: bool,
    /// Set by Ctrl-C or `kill`: take no new record, finish those in flight.
    pub stop: &'a AtomicBool,
}

/// A temporary file not touched for this long was left by a run that was killed.
const STALE: Duration = Duration::from_secs(10 * 60);

impl Batch<'_> {
    /// Renders the batch; `Err` is an error that stops the whole run (exit status 2).
    pub fn run(&self, reporter: &mut Reporter) -> Result<Summary, Error> {
        let before = fingerprint(self.data)?;
        let (selected, encoding) = self.plan()?;
        if let Target::File(path, _) = &self.target {
            if selected > 1 {
                return Err(Error::Usage(format!(
                    "{} holds {selected} records: give -o a folder to write one document per record, not {}",
                    self.data.display(),
                    path.display()
                )));
            }
        }
        if let Target::Folder(folder, _) = &self.target {
            let removed = output::remove_stale_temporaries(folder, STALE);
            if removed > 0 {
                reporter.note(&format!(
                    "removed {removed} temporary files that an interrupted run left in {}",
                    folder.display()
                ));
            }
        }
        if fingerprint(self.data)? != before {
            return Err(changed(self.data));
        }
        let per_record = self.target.formats().len();
        let mut summary = Summary {
            documents: selected,
            files: selected * per_record,
            ..Summary::default()
        };
        if self.stop.load(Ordering::SeqCst) {
            summary.interrupted = true;
            summary.not_rendered = selected;
            return Ok(summary);
        }
        reporter.start(selected);
        self.render(reporter, &mut summary, encoding)?;
        summary.not_rendered = selected.saturating_sub(summary.reported);
        summary.interrupted = self.stop.load(Ordering::SeqCst);
        Ok(summary)
    }

    /// The first pass: parses every record, checks that no two share a file name, and counts
    /// this shard's records; also gives the encoding the data file was found in.
    fn plan(&self) -> Result<(usize, Encoding), Error> {
        let records = data::open(self.data, &self.options)?.check_references_only();
        let encoding = records.encoding();
        // Names are compared as a case-insensitive file system would (Windows, macOS).
        let mut seen: HashMap<String, String> = HashMap::new();
        let mut total = 0;
        let mut selected = 0;
        for record in records {
            if self.stop.load(Ordering::SeqCst) {
                // Interrupted before anything was written: `run` reports it.
                return Ok((selected, encoding));
            }
            let record = record?;
            total += 1;
            if self.shard.contains(record.index) {
                selected += 1;
            }
            let Target::Folder(folder, _) = &self.target else {
                continue;
            };
            // A record that cannot be named fails when its turn comes, with its row.
            let Ok(name) = self.names.name(&record) else {
                continue;
            };
            if let Some(first) = seen.insert(name.to_lowercase(), record.origin()) {
                return Err(Error::Usage(format!(
                    "the records at {first} and {} would both be written to {}: give them different numbers or dates, or name the files with --name",
                    record.origin(),
                    folder.join(&name).display()
                )));
            }
        }
        if total == 0 {
            return Err(Error::data(self.data, None, "the file holds no record"));
        }
        Ok((selected, encoding))
    }

    /// The second pass: renders this shard's records on `jobs` threads and writes their files
    /// on [`WRITERS`] more, at most a few records per thread in flight, and reports them in
    /// the order of the file.
    fn render(
        &self,
        reporter: &mut Reporter,
        summary: &mut Summary,
        encoding: Encoding,
    ) -> Result<(), Error> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(self.jobs)
            .build()
            .map_err(|e| Error::Usage(format!("cannot start {} threads ({e})", self.jobs)))?;
        // Enough work queued to keep every thread busy, little enough to keep memory flat.
        let limit = (self.jobs + WRITERS) * 2;
        let (sender, receiver) = mpsc::channel::<(usize, Outcome)>();
        let (to_writers, writes) = mpsc::sync_channel::<Write>(WRITERS);
        let writes = std::sync::Mutex::new(writes);
        let mut collector = Collector {
            receiver,
            order: Order::default(),
            reporter,
            summary,
            fail_fast: self.fail_fast,
            in_flight: 0,
            stopping: false,
            fatal: None,
        };
        let records = data::reopen(self.data, &self.options, encoding)?;
        let mut unreadable = None;
        std::thread::scope(|threads| {
            for _ in 0..WRITERS {
                let sender = sender.clone();
                let writes = &writes;
                threads.spawn(move || write_files(writes, &sender));
            }
            // The scope runs on this thread, which only reads records and reports; the pool's
            // threads render.
            pool.in_place_scope(|scope| {
                let mut sequence = 0;
                for record in records {
                    if collector.stopping || self.stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let record = match record {
                        Ok(record) => record,
                        Err(error) => {
                            unreadable = Some(error);
                            break;
                        }
                    };
                    if !self.shard.contains(record.index) {
                        continue;
                    }
                    while collector.in_flight >= limit {
                        collector.receive();
                    }
                    if collector.stopping {
                        break;
                    }
                    let number = sequence;
                    sequence += 1;
                    collector.in_flight += 1;
                    let files = self.files(&record);
                    let (sender, to_writers) = (sender.clone(), to_writers.clone());
                    let (engine, template) = (self.engine, self.template);
                    scope.spawn(move |_| {
                        let rendered = files.and_then(|files| {
                            render_one(engine, template, &record, files)
                        });
                        let outcome = match rendered {
                            Ok(files) => {
                                let write = Write {
                                    number,
                                    outcome: succeeded(&record),
                                    files,
                                };
                                // The writers live until every record has reported,
                                // unless one of them failed beyond repair.
                                match to_writers.send(write) {
                                    Ok(()) => return,
                                    Err(_) => failed(
                                        &record,
                                        Error::Usage(
                                            "the threads that write files stopped: nothing more can be written".into(),
                                        ),
                                    ),
                                }
                            }
                            Err(error) => failed(&record, error),
                        };
                        let _ = sender.send((number, outcome));
                    });
                }
                while collector.in_flight > 0 {
                    collector.receive();
                }
            });
            // No more files to write: the writers finish.
            drop(to_writers);
        });
        match collector.fatal.or(unreadable) {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }

    /// The files a record is written to.
    fn files(&self, record: &Record) -> Result<Vec<(Format, PathBuf)>, Error> {
        Ok(match &self.target {
            Target::File(path, format) => vec![(*format, path.clone())],
            Target::Folder(folder, formats) => {
                let name = self.names.name(record)?;
                formats
                    .iter()
                    .map(|f| (*f, folder.join(format!("{name}.{}", f.extension()))))
                    .collect()
            }
        })
    }
}

/// Renders one record in memory: each file's path and bytes.
fn render_one(
    engine: &Engine,
    template: Option<&str>,
    record: &Record,
    files: Vec<(Format, PathBuf)>,
) -> Result<Vec<(PathBuf, Vec<u8>)>, Error> {
    let template = engine.template_for(record, template);
    let formats: Vec<Format> = files.iter().map(|(f, _)| *f).collect();
    let outputs = engine.render(record, template, &formats)?;
    Ok(super::output_paths(&files, &outputs)
        .into_iter()
        .map(|(path, bytes)| (path, bytes.to_vec()))
        .collect())
}

/// A rendered record on its way to the disk.
struct Write {
    number: usize,
    outcome: Outcome,
    files: Vec<(PathBuf, Vec<u8>)>,
}

/// How many threads write files. Each file is made durable (`fsync`) before it is renamed into
/// place, and the disk takes milliseconds for that: writing on threads of their own lets the
/// renderers go on meanwhile, and lets the file system commit several files at once.
const WRITERS: usize = 4;

/// A writer thread: takes rendered records and writes each one's files, all or none.
fn write_files(
    writes: &std::sync::Mutex<mpsc::Receiver<Write>>,
    sender: &mpsc::Sender<(usize, Outcome)>,
) {
    loop {
        // The lock is held only to take the next record, not while writing it.
        let next = match writes.lock() {
            Ok(receiver) => receiver.recv(),
            Err(_) => return,
        };
        let Ok(Write {
            number,
            mut outcome,
            files,
        }) = next
        else {
            return;
        };
        match output::write_all_or_none(&files) {
            Ok(()) => outcome.outputs = files.into_iter().map(|(path, _)| path).collect(),
            Err(error) => outcome.error = Some(error.in_record(outcome.origin.clone())),
        }
        if sender.send((number, outcome)).is_err() {
            return;
        }
    }
}

fn succeeded(record: &Record) -> Outcome {
    Outcome {
        index: record.index,
        line: record.line,
        origin: record.origin(),
        outputs: Vec::new(),
        error: None,
    }
}

fn failed(record: &Record, error: Error) -> Outcome {
    Outcome {
        index: record.index,
        line: record.line,
        origin: record.origin(),
        outputs: Vec::new(),
        error: Some(error.in_record(record.origin())),
    }
}

/// The main thread's side of the second pass: receives outcomes, puts them in order, counts
/// and reports them, and decides when to stop.
struct Collector<'r> {
    receiver: mpsc::Receiver<(usize, Outcome)>,
    order: Order,
    reporter: &'r mut Reporter,
    summary: &'r mut Summary,
    fail_fast: bool,
    in_flight: usize,
    stopping: bool,
    fatal: Option<Error>,
}

impl Collector<'_> {
    /// Waits for one record to finish and reports what can be reported in order.
    fn receive(&mut self) {
        let Ok((number, outcome)) = self.receiver.recv() else {
            // Every worker is gone: nothing more will come.
            self.in_flight = 0;
            return;
        };
        self.in_flight -= 1;
        self.order.insert(number, outcome);
        while let Some(mut outcome) = self.order.next() {
            self.summary.reported += 1;
            self.summary.written += outcome.outputs.len();
            match outcome.error.take() {
                // The output cannot be written (a full disk, no permission): no later record
                // would fare better.
                Some(error) if error.is_fatal() => {
                    self.stopping = true;
                    self.fatal.get_or_insert(error);
                }
                Some(error) => {
                    self.summary.failed += 1;
                    self.stopping |= self.fail_fast;
                    outcome.error = Some(error);
                    self.reporter.record(&outcome);
                }
                None => self.reporter.record(&outcome),
            }
        }
    }
}

/// Outcomes put back in the order of the file: workers finish in any order, reports do not.
#[derive(Default)]
struct Order {
    next: usize,
    waiting: BTreeMap<usize, Outcome>,
}

impl Order {
    fn insert(&mut self, number: usize, outcome: Outcome) {
        self.waiting.insert(number, outcome);
    }

    /// The next outcome in the file's order, once it has arrived.
    fn next(&mut self) -> Option<Outcome> {
        let outcome = self.waiting.remove(&self.next)?;
        self.next += 1;
        Some(outcome)
    }
}

/// What tells that a file changed between the two passes: its size and modification time.
fn fingerprint(path: &Path) -> Result<(u64, Option<std::time::SystemTime>), Error> {
    let metadata = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    Ok((metadata.len(), metadata.modified().ok()))
}

fn changed(path: &Path) -> Error {
    Error::data(
        path,
        None,
        "the file changed while vanban was reading it: run again once it is saved",
    )
}
