//! The compile cost of `#[refold_action]`: a generated crate of N annotated structs against the
//! same N structs with a plain `#[derive(Serialize)]`, for plain structs and for structs with a
//! `#[serde(…)]` attribute (which the macro hands to serde's derive).
//!
//! Both crates are generated under the target directory (never in the source tree), in a
//! workspace of their own that depends on this repository's `refold` by path and pins versions
//! with a copy of its `Cargo.lock`. Their dependencies are built once; then each round
//! rewrites one crate's `lib.rs` and times `cargo build -p <crate>` (dev profile,
//! `CARGO_INCREMENTAL=0`, so the crate is compiled from scratch and nothing else is). The time of
//! a no-op `cargo build` (cargo's own start-up and fingerprinting) is measured the same way and
//! subtracted, so the ratio is of compile work.

use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::process::children_cpu_time;
use crate::stats::median;

/// The two kinds of struct measured: plain structs (the macro writes their `Serialize` itself)
/// and structs with a `#[serde(…)]` attribute (the macro has serde derive it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// No attributes: `email`, two `Option` fields and a `Vec`.
    Plain,
    /// The same fields under `#[serde(rename_all = "camelCase")]`, on both sides.
    SerdeAttribute,
}

impl Shape {
    /// Both shapes, in report order.
    pub const ALL: [Shape; 2] = [Shape::Plain, Shape::SerdeAttribute];

    /// How the table names the shape.
    pub fn label(self) -> &'static str {
        match self {
            Shape::Plain => "plain structs",
            Shape::SerdeAttribute => "structs with #[serde(rename_all)]",
        }
    }

    fn suffix(self) -> &'static str {
        match self {
            Shape::Plain => "plain",
            Shape::SerdeAttribute => "serde_attribute",
        }
    }

    fn struct_attributes(self) -> &'static str {
        match self {
            Shape::Plain => "",
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
        let noop = median(&self.noop.iter().map(measure).collect::<Vec<_>>());
        let ratios: Vec<f64> = pair
            .with_macro
            .iter()
            .zip(&pair.with_derive)
            .map(|(with_macro, with_derive)| (measure(with_macro) - noop) / (measure(with_derive) - noop))
            .collect();
        median(&ratios)
    }
}

fn crate_name(shape: Shape, with_macro: bool) -> String {
    let side = if with_macro { "macro" } else { "derive" };
    format!("compile_cost_{side}_{}", shape.suffix())
}

/// Generates the crates with `structs` structs each in `work_dir` and times `rounds` builds of
/// each. `repo_root` is this repository (the facade package and its `Cargo.lock`).
pub fn measure(
    cargo: &Path,
    work_dir: &Path,
    repo_root: &Path,
    structs: usize,
    rounds: usize,
) -> io::Result<CompileCost> {
    generate(work_dir, repo_root, structs)?;
    // Dependencies first, every crate's (they have the same ones).
    build(cargo, work_dir, &["--workspace"])?;
    let mut cost = CompileCost {
        pairs: Shape::ALL
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
                let cost = build(cargo, work_dir, &["-p", &name])?;
                if with_macro {
                    pair.with_macro.push(cost);
                } else {
                    pair.with_derive.push(cost);
                }
            }
        }
        let name = crate_name(Shape::Plain, true);
        cost.noop.push(build(cargo, work_dir, &["-p", &name])?);
    }
    Ok(cost)
}

fn generate(work_dir: &Path, repo_root: &Path, structs: usize) -> io::Result<()> {
    std::fs::create_dir_all(work_dir)?;
    let names: Vec<String> = Shape::ALL
        .iter()
        .flat_map(|&shape| [crate_name(shape, true), crate_name(shape, false)])
        .collect();
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
            let name = crate_name(shape, with_macro);
            let dir = work_dir.join(&name);
            std::fs::create_dir_all(dir.join("src"))?;
            std::fs::write(
                dir.join("Cargo.toml"),
                format!(
                    "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
                     [dependencies]\nrefold = {{ path = {facade} }}\nserde = {{ version = \"1\", features = [\"derive\"] }}\n"
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
    format!(
        "#[::refold::refold_action(slug = \"app_{}\", id = \"action_{index}\")]\n",
        index % 10
    )
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

fn build(cargo: &Path, work_dir: &Path, args: &[&str]) -> io::Result<Build> {
    let cpu_before = children_cpu_time();
    let started = Instant::now();
    let status = Command::new(cargo)
        .arg("build")
        .arg("--offline")
        .arg("--quiet")
        .args(args)
        .current_dir(work_dir)
        .env("CARGO_TARGET_DIR", work_dir.join("target"))
        .env("CARGO_INCREMENTAL", "0")
        .stdout(Stdio::null())
        .status()?;
    let wall = started.elapsed().as_secs_f64();
    let cpu = (children_cpu_time() - cpu_before).as_secs_f64();
    if !status.success() {
        return Err(io::Error::other(format!(
            "cargo build {args:?} failed in {}",
            work_dir.display()
        )));
    }
    Ok(Build { wall, cpu })
}

/// Where the generated crates go: `<target dir>/refold-benches/compile-cost`.
pub fn default_work_dir(target_dir: &Path) -> PathBuf {
    target_dir.join("refold-benches").join("compile-cost")
}
