//! The compile cost of `#[refold_action]`: a generated crate of N annotated structs against the
//! same N structs with a plain `#[derive(Serialize)]`, for plain structs, for the same structs
//! checked against schema snapshots (a `.refold/` directory generated with one snapshot per
//! struct), and for structs with a `#[serde(…)]` attribute (which the macro hands to serde's
//! derive).
//!
//! Both crates are generated under the target directory (never in the source tree), in a
//! workspace of their own that depends on this repository's `refold` by path and pins versions
//! with a copy of its `Cargo.lock`. Their dependencies are built once; then each round
//! rewrites one crate's `lib.rs` and times `cargo build -p <crate>` (dev profile,
//! `CARGO_INCREMENTAL=0`, so the crate is compiled from scratch and nothing else is). The time of
//! a no-op `cargo build` (cargo's own start-up and fingerprinting) is measured the same way and
//! subtracted, so the ratio is of compile work.
//!
//! With `callgrind`, every rustc that compiles one of the generated crates runs under
//! `valgrind --tool=callgrind` (cargo's `RUSTC_WRAPPER` is the `compare` binary itself, see
//! [`run_as_rustc_wrapper`]) and each build also reports the instructions rustc executed: the
//! repeatable figure on a shared machine.

use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use refold_snapshot::{ParamType, Parameter, Snapshot, SnapshotDir};

use crate::process::children_cpu_time;
use crate::stats::median;

/// The kinds of struct measured: plain structs (the macro writes their `Serialize` itself), the
/// same checked against schema snapshots, and structs with a `#[serde(…)]` attribute (the macro
/// has serde derive it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// No attributes: `email`, two `Option` fields and a `Vec`.
    Plain,
    /// The plain structs, with a `.refold/` snapshot of each struct's action (ten parameters, of
    /// which the struct uses four) beside the crate, so every struct is checked. Its derive
    /// baseline is the plain shape's.
    Checked,
    /// The same fields under `#[serde(rename_all = "camelCase")]`, on both sides.
    SerdeAttribute,
}

impl Shape {
    /// Every shape, in report order.
    pub const ALL: [Shape; 3] = [Shape::Plain, Shape::Checked, Shape::SerdeAttribute];

    /// How the table names the shape.
    pub fn label(self) -> &'static str {
        match self {
            Shape::Plain => "plain structs",
            Shape::Checked => "plain structs checked against schema snapshots",
            Shape::SerdeAttribute => "structs with #[serde(rename_all)]",
        }
    }

    fn suffix(self) -> &'static str {
        match self {
            Shape::Plain => "plain",
            Shape::Checked => "checked",
            Shape::SerdeAttribute => "serde_attribute",
        }
    }

    fn struct_attributes(self) -> &'static str {
        match self {
            Shape::Plain | Shape::Checked => "",
            Shape::SerdeAttribute => "#[serde(rename_all = \"camelCase\")]\n",
        }
    }
}

/// What one `cargo build` cost.
#[derive(Clone, Copy, Debug)]
pub struct Build {
    /// Wall-clock seconds.
    pub wall: f64,
    /// CPU seconds (user + system) of cargo and the rustc it ran.
    pub cpu: f64,
    /// Instructions the crate's rustc executed, when measured under callgrind.
    pub instructions: Option<u64>,
}

/// Builds of one shape, one per round.
#[derive(Clone, Debug)]
pub struct PairCost {
    /// Which structs.
    pub shape: Shape,
    /// Builds of the crate whose structs carry `#[refold_action]`.
    pub with_macro: Vec<Build>,
    /// Builds of the crate whose structs carry `#[derive(Serialize)]`, in the same rounds.
    pub with_derive: Vec<Build>,
}

/// Timings of one compile-cost measurement.
#[derive(Clone, Debug, Default)]
pub struct CompileCost {
    /// One entry per [`Shape`].
    pub pairs: Vec<PairCost>,
    /// No-op builds (nothing to compile), one per round.
    pub noop: Vec<Build>,
}

impl CompileCost {
    /// The median of one measure of `builds`, less the no-op build's median of that measure.
    pub fn seconds(&self, builds: &[Build], measure: fn(&Build) -> f64) -> f64 {
        let of = |builds: &[Build]| median(&builds.iter().map(measure).collect::<Vec<_>>());
        of(builds) - of(&self.noop)
    }

    /// The macro crate's compile work over the derive crate's by one measure (no-op build
    /// subtracted from both): the median over rounds of each round's ratio, since the two builds
    /// of a round ran back to back.
    pub fn ratio(&self, pair: &PairCost, measure: fn(&Build) -> f64) -> f64 {
        self.ratio_of(&pair.with_macro, &pair.with_derive, measure)
    }

    /// The compile work of `builds` over that of `baseline`, built in the same rounds, as
    /// [`CompileCost::ratio`] computes it.
    pub fn ratio_of(&self, builds: &[Build], baseline: &[Build], measure: fn(&Build) -> f64) -> f64 {
        let noop = median(&self.noop.iter().map(measure).collect::<Vec<_>>());
        let ratios: Vec<f64> = builds
            .iter()
            .zip(baseline)
            .map(|(build, base)| (measure(build) - noop) / (measure(base) - noop))
            .collect();
        median(&ratios)
    }

    /// The builds of `shape`'s pair.
    pub fn pair(&self, shape: Shape) -> Option<&PairCost> {
        self.pairs.iter().find(|pair| pair.shape == shape)
    }
}

/// The instructions of a build measured under callgrind (0 when it was not).
pub fn instructions(build: &Build) -> f64 {
    build.instructions.unwrap_or(0) as f64
}

fn crate_name(shape: Shape, with_macro: bool) -> String {
    match (shape, with_macro) {
        // The checked structs' baseline is the plain derive crate: the same structs.
        (Shape::Checked, false) => crate_name(Shape::Plain, false),
        (shape, true) => format!("compile_cost_macro_{}", shape.suffix()),
        (shape, false) => format!("compile_cost_derive_{}", shape.suffix()),
    }
}

/// The prefix of every generated crate's name, which the callgrind wrapper recognises.
const CRATE_PREFIX: &str = "compile_cost_";

/// Where the wrapper leaves callgrind's output, when measuring instructions.
const CALLGRIND_DIR_ENV: &str = "REFOLD_BENCH_CALLGRIND_DIR";

/// The crate the wrapper runs under callgrind; every other rustc runs directly.
const CALLGRIND_CRATE_ENV: &str = "REFOLD_BENCH_CALLGRIND_CRATE";

/// How to measure.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Structs in each generated crate.
    pub structs: usize,
    /// Builds of each crate.
    pub rounds: usize,
    /// The executable to use as `RUSTC_WRAPPER` to run the generated crates' rustc under
    /// callgrind (the `compare` binary, which calls [`run_as_rustc_wrapper`] first thing), or
    /// `None` to measure time only.
    pub callgrind_wrapper: Option<PathBuf>,
    /// The shapes to measure ([`Shape::ALL`] for the report's table).
    pub shapes: Vec<Shape>,
}

/// Generates the crates in `work_dir` and measures `settings.rounds` builds of each. `repo_root`
/// is this repository (the facade package and its `Cargo.lock`).
pub fn measure(cargo: &Path, work_dir: &Path, repo_root: &Path, settings: &Settings) -> io::Result<CompileCost> {
    generate(work_dir, repo_root, settings.structs)
        .map_err(|error| io::Error::other(format!("generating the crates in {}: {error}", work_dir.display())))?;
    let builder = Builder {
        cargo,
        work_dir,
        callgrind_wrapper: settings.callgrind_wrapper.as_deref(),
    };
    let rounds = settings.rounds;
    // Dependencies first, every crate's (they have the same ones).
    builder.build(&["--workspace"], None)?;
    let mut cost = CompileCost {
        pairs: settings
            .shapes
            .iter()
            .map(|&shape| PairCost {
                shape,
                with_macro: Vec::new(),
                with_derive: Vec::new(),
            })
            .collect(),
        noop: Vec::new(),
    };
    for round in 0..rounds {
        for pair in &mut cost.pairs {
            // Alternate which side goes first, so drift in the machine's load hits both alike.
            let order = if round % 2 == 0 { [true, false] } else { [false, true] };
            for with_macro in order {
                let name = crate_name(pair.shape, with_macro);
                touch(&work_dir.join(&name).join("src/lib.rs"))?;
                let cost = builder.build(&["-p", &name], Some(&name))?;
                if with_macro {
                    pair.with_macro.push(cost);
                } else {
                    pair.with_derive.push(cost);
                }
            }
        }
        let name = crate_name(Shape::Plain, true);
        cost.noop.push(builder.build(&["-p", &name], None)?);
    }
    Ok(cost)
}

fn generate(work_dir: &Path, repo_root: &Path, structs: usize) -> io::Result<()> {
    std::fs::create_dir_all(work_dir)?;
    let mut names: Vec<String> = Shape::ALL
        .iter()
        .flat_map(|&shape| [crate_name(shape, true), crate_name(shape, false)])
        .collect();
    names.sort();
    names.dedup();
    let members = names
        .iter()
        .map(|name| format!("\"{name}\""))
        .collect::<Vec<_>>()
        .join(", ");
    std::fs::write(
        work_dir.join("Cargo.toml"),
        format!(
            "# Generated by refold-benches' compare binary; not part of the repository.\n\
             [workspace]\nmembers = [{members}]\nresolver = \"3\"\n"
        ),
    )?;
    std::fs::copy(repo_root.join("Cargo.lock"), work_dir.join("Cargo.lock"))?;
    let facade = toml_string(&repo_root.display().to_string());
    for shape in Shape::ALL {
        for with_macro in [true, false] {
            if shape == Shape::Checked && !with_macro {
                continue; // the plain shape's derive crate
            }
            let name = crate_name(shape, with_macro);
            let dir = work_dir.join(&name);
            std::fs::create_dir_all(dir.join("src"))?;
            let snapshots = dir.join(refold_snapshot::SCHEMA_DIR_NAME);
            if snapshots.exists() {
                std::fs::remove_dir_all(&snapshots)?;
            }
            if shape == Shape::Checked {
                write_snapshots(&snapshots, structs)?;
            }
            std::fs::write(
                dir.join("Cargo.toml"),
                format!(
                    "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
                     [dependencies]\nrefold-sdk = {{ path = {facade} }}\nserde = {{ version = \"1\", features = [\"derive\"] }}\n"
                ),
            )?;
            let mut lib =
                String::from("//! Generated for the compile-cost benchmark.\n#![allow(missing_docs, dead_code)]\n\n");
            for index in 0..structs {
                if with_macro {
                    lib.push_str(&annotated(index));
                } else {
                    lib.push_str("#[derive(::serde::Serialize)]\n");
                }
                lib.push_str(shape.struct_attributes());
                lib.push_str(&format!(
                    "pub struct Action{index} {{\n    pub email: String,\n    pub firstname: Option<String>,\n    \
                     pub limit: Option<u32>,\n    pub tags: Vec<String>,\n}}\n\n"
                ));
            }
            std::fs::write(dir.join("src/lib.rs"), lib)?;
        }
    }
    Ok(())
}

fn annotated(index: usize) -> String {
    let (slug, id) = action(index);
    format!("#[::refold::refold_action(slug = \"{slug}\", id = \"{id}\")]\n")
}

fn action(index: usize) -> (String, String) {
    (format!("app_{}", index % 10), format!("action_{index}"))
}

/// One snapshot per struct, as `refold prepare` writes them: ten parameters in the shape of
/// HubSpot's `create_contact`, four of which the struct has.
fn write_snapshots(root: &Path, structs: usize) -> io::Result<()> {
    let dir = SnapshotDir::new(root);
    let optional = |name: &str, label: &str, param_type: ParamType| Parameter::new(name, param_type).with_label(label);
    for index in 0..structs {
        let (slug, id) = action(index);
        let snapshot = Snapshot::new(slug, id)
            .with_name(format!("Action {index}"))
            .with_description("Generated for the compile-cost benchmark.")
            .with_parameters(vec![
                optional("email", "Enter Email", ParamType::Text).with_required(true),
                optional("firstname", "Enter First Name", ParamType::Text),
                optional("lastname", "Enter Last Name", ParamType::Text),
                optional("phone", "Enter Phone Number", ParamType::Text),
                optional("company", "Enter Company Name", ParamType::Text),
                optional("limit", "Enter Limit", ParamType::Number),
                optional("archived", "Archived", ParamType::Boolean),
                optional("hubspot_owner_id", "Enter Contact Owner ID", ParamType::Text),
                optional("tags", "Enter Tags", ParamType::Json),
                optional("additional_fields", "Enter Additional Fields", ParamType::Json),
            ]);
        dir.write(&snapshot).map_err(io::Error::other)?;
    }
    Ok(())
}

/// A TOML basic string holding `text`.
fn toml_string(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Rewrites a file with its own content, so cargo sees it changed.
fn touch(path: &Path) -> io::Result<()> {
    let content = std::fs::read(path)?;
    std::fs::write(path, content)
}

/// Runs `cargo build` in the generated workspace.
struct Builder<'a> {
    cargo: &'a Path,
    work_dir: &'a Path,
    callgrind_wrapper: Option<&'a Path>,
}

impl Builder<'_> {
    /// Builds with `args`; `measured` is the crate whose rustc instructions are read back, when
    /// running under callgrind.
    fn build(&self, args: &[&str], measured: Option<&str>) -> io::Result<Build> {
        let callgrind_dir = self.work_dir.join("callgrind");
        let mut command = Command::new(self.cargo);
        command
            .arg("build")
            .arg("--offline")
            .arg("--quiet")
            .args(args)
            .current_dir(self.work_dir)
            .env("CARGO_TARGET_DIR", self.work_dir.join("target"))
            .env("CARGO_INCREMENTAL", "0")
            // The snapshots the checked crate finds are its own `.refold/`, never the caller's.
            .env_remove(refold_snapshot::SCHEMA_DIR_ENV)
            .stdout(Stdio::null());
        if let Some(wrapper) = self.callgrind_wrapper {
            std::fs::create_dir_all(&callgrind_dir)?;
            command
                .env("RUSTC_WRAPPER", wrapper)
                .env(CALLGRIND_DIR_ENV, &callgrind_dir)
                .env(CALLGRIND_CRATE_ENV, measured.unwrap_or(""));
        }
        let cpu_before = children_cpu_time();
        let started = Instant::now();
        let status = command.status()?;
        let wall = started.elapsed().as_secs_f64();
        let cpu = (children_cpu_time() - cpu_before).as_secs_f64();
        if !status.success() {
            return Err(io::Error::other(format!(
                "cargo build {args:?} failed in {}",
                self.work_dir.display()
            )));
        }
        let instructions = match (self.callgrind_wrapper, measured) {
            (Some(_), Some(name)) => Some(read_instructions(&callgrind_dir.join(format!("{name}.out")))?),
            _ => None,
        };
        Ok(Build {
            wall,
            cpu,
            instructions,
        })
    }
}

/// The total instructions in a callgrind output file (its `summary:` line), which is removed.
fn read_instructions(file: &Path) -> io::Result<u64> {
    let text = std::fs::read_to_string(file)
        .map_err(|error| io::Error::other(format!("no callgrind output {}: {error}", file.display())))?;
    std::fs::remove_file(file)?;
    text.lines()
        .find_map(|line| line.strip_prefix("summary:"))
        .and_then(|total| total.split_whitespace().next()?.parse().ok())
        .ok_or_else(|| io::Error::other(format!("no `summary:` line in {}", file.display())))
}

/// When this process was started by cargo as `RUSTC_WRAPPER` for a callgrind measurement, runs
/// the rustc it was given — under callgrind for the generated crate being measured, directly for
/// everything else — and returns the exit code to end with; else `None`. Call it first thing in `main`.
pub fn run_as_rustc_wrapper() -> Option<i32> {
    let out_dir = PathBuf::from(std::env::var_os(CALLGRIND_DIR_ENV)?);
    let mut args = std::env::args_os().skip(1);
    let rustc = args.next()?;
    let args: Vec<OsString> = args.collect();
    let measured = std::env::var(CALLGRIND_CRATE_ENV).unwrap_or_default();
    let crate_name = args
        .iter()
        .position(|arg| arg == "--crate-name")
        .and_then(|at| args.get(at + 1))
        .and_then(|name| name.to_str())
        .filter(|name| name.starts_with(CRATE_PREFIX) && *name == measured);
    // `rustc -vV` and the like (cargo asks through the wrapper too) have no crate name.
    let status = match crate_name {
        Some(name) => Command::new("valgrind")
            .arg("--tool=callgrind")
            .arg(format!(
                "--callgrind-out-file={}",
                out_dir.join(format!("{name}.out")).display()
            ))
            .arg(format!("--log-file={}", out_dir.join(format!("{name}.log")).display()))
            .arg(&rustc)
            .args(&args)
            .status(),
        None => Command::new(&rustc).args(&args).status(),
    };
    Some(match status {
        Ok(status) => status.code().unwrap_or(1),
        Err(error) => {
            eprintln!("refold-benches: could not run {}: {error}", rustc.to_string_lossy());
            1
        }
    })
}

/// Where the generated crates go: `<target dir>/refold-benches/compile-cost`, or
/// `compile-cost-callgrind` for the callgrind measurement (a `RUSTC_WRAPPER` of its own makes
/// cargo rebuild every dependency, so it gets a target directory of its own).
pub fn default_work_dir(target_dir: &Path, callgrind: bool) -> PathBuf {
    let name = if callgrind {
        "compile-cost-callgrind"
    } else {
        "compile-cost"
    };
    target_dir.join("refold-benches").join(name)
}
