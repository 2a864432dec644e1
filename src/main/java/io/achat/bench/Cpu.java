package io.achat.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * CPU time a process has used, user and system, from {@code /proc/PID/stat}: read before and
 * after the measured window, it is what the server spent on that window's deliveries, apart from
 * what the load generator spends on the same machine.
 */
public final class Cpu {

  /** The kernel reports CPU time in clock ticks of 1/100 s (USER_HZ on Linux). */
  static final long NANOS_PER_TICK = 10_000_000L;

  private Cpu() {
  }

  /**
   * Nanoseconds of CPU summed over {@code pids}, or -1 when there are none or any cannot be read:
   * a sum that silently missed a process would pass for a cheaper server.
   */
  public static long total(List<Long> pids) {
    if (pids.isEmpty()) {
      return -1;
    }
    long sum = 0;
    for (long pid : pids) {
      long nanos = of(pid);
      if (nanos < 0) {
        return -1;
      }
      sum += nanos;
    }
    return sum;
  }

  /** Nanoseconds of CPU (utime + stime), or -1 when {@code pid} cannot be read. */
  public static long of(long pid) {
    if (pid <= 0) {
      return -1;
    }
    try {
      return parse(Files.readString(Path.of("/proc/" + pid + "/stat")));
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /**
   * utime + stime of a {@code /proc/PID/stat} line, in nanoseconds. The command name in
   * parentheses may hold spaces, so the fields are counted from its closing parenthesis: the
   * state is field 3, utime 14 and stime 15.
   */
  static long parse(String stat) {
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" +");
    return (Long.parseLong(fields[14 - 3]) + Long.parseLong(fields[15 - 3])) * NANOS_PER_TICK;
  }
}
