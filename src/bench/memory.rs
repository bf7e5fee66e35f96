//! Peak resident memory read from Linux's `/proc`: this process's, which can be reset between
//! measurements, and a child's while it runs. Elsewhere every figure is `None` ("n/a").

/// This process's peak resident set size (`VmHWM`), in KiB.
pub fn peak_rss_kib() -> Option<u64> {
    vm_hwm(&std::fs::read_to_string("/proc/self/status").ok()?)
}

/// The peak resident set size of the running process `pid`, in KiB (`None` once it has exited).
pub fn peak_rss_of_kib(pid: u32) -> Option<u64> {
    vm_hwm(&std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?)
}

/// Resets this process's peak to its current resident size (`clear_refs` 5, Linux 4.0+), so
/// that the next [`peak_rss_kib`] measures only what came after; false when it could not.
pub fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// `12.3 MiB`, or `n/a`.
pub fn mib(kib: Option<u64>) -> String {
    kib.map_or_else(
        || "n/a".to_owned(),
        |k| format!("{:.1} MiB", k as f64 / 1024.0),
    )
}

/// The `VmHWM:` line of a `/proc/PID/status` text.
fn vm_hwm(status: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::{mib, vm_hwm};

    #[test]
    fn the_peak_is_read_from_the_status_text() {
        let status = "Name:\troster\nVmPeak:\t  900 kB\nVmHWM:\t   20480 kB\nVmRSS:\t 1024 kB\n";
        assert_eq!(vm_hwm(status), Some(20_480));
        assert_eq!(vm_hwm("Name:\troster\n"), None);
        assert_eq!(mib(vm_hwm(status)), "20.0 MiB");
        assert_eq!(mib(None), "n/a");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn this_process_has_a_peak_that_can_be_reset() {
        assert!(super::peak_rss_kib().is_some_and(|kib| kib > 0));
        assert!(
            super::reset_peak(),
            "clear_refs is writable by the process itself"
        );
        assert!(super::peak_rss_of_kib(std::process::id()).is_some_and(|kib| kib > 0));
    }
}
