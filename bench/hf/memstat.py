"""The memory readings the Python benchmark sides share (bench/mem.ts is the TypeScript twin)."""


def status_kb(key):
    """A /proc/self/status field in kB (-1 when absent)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return -1


def reset_peak():
    """Resets VmHWM to the current RSS (Linux >= 4.0: write 5 to clear_refs); False when refused."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False
