//! What the process costs: CPU time (getrusage) and resident memory (`/proc/self/status`).

use std::time::Duration;

/// User + system CPU time of this whole process (every thread) so far.
///
/// The servers run in child processes, so this is the client's CPU alone.
pub fn cpu_time() -> Duration {
    rusage_cpu(libc::RUSAGE_SELF)
}

/// User + system CPU time of every child process this process has waited for (and of their
/// own waited-for children: cargo's rustc processes), so far.
pub fn children_cpu_time() -> Duration {
    rusage_cpu(libc::RUSAGE_CHILDREN)
}

fn rusage_cpu(who: libc::c_int) -> Duration {
    let usage = rusage(who);
    let micros = |t: libc::timeval| t.tv_sec as u64 * 1_000_000 + t.tv_usec as u64;
    Duration::from_micros(micros(usage.ru_utime) + micros(usage.ru_stime))
}

fn rusage(who: libc::c_int) -> libc::rusage {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: `usage` is a valid, writable `rusage`; getrusage only writes into it.
    #[allow(unsafe_code)]
    let (rc, usage) = unsafe {
        let rc = libc::getrusage(who, usage.as_mut_ptr());
        (rc, usage.assume_init())
    };
    assert_eq!(rc, 0, "getrusage({who}) failed");
    usage
}

/// The peak resident set size, in KiB, of the largest child process this process has waited
/// for (`ru_maxrss` of `RUSAGE_CHILDREN`).
pub fn children_max_rss_kib() -> u64 {
    rusage(libc::RUSAGE_CHILDREN).ru_maxrss.max(0) as u64
}

/// The resident set size of this process, in bytes (`VmRSS`), or 0 where `/proc` is missing.
pub fn rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("VmRSS:"))
                .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(0, |kib| kib * 1024)
}

/// One line about the machine: CPU model, core count, memory and load, for `BENCHMARKS.md`.
pub fn machine_description() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|line| line.strip_prefix("model name"))
        .map(|rest| rest.trim_start_matches([' ', '\t', ':']).trim().to_owned())
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_gib = meminfo
        .lines()
        .find_map(|line| line.strip_prefix("MemTotal:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kib| kib / (1024.0 * 1024.0));
    format!(
        "{model}; nproc {cores}; {mem_gib:.1} GiB memory; load average {}",
        load_average()
    )
}

/// `/proc/loadavg`'s three averages.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| text.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".to_owned())
}
