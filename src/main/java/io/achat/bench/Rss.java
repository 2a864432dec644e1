package io.achat.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Resident memory of a process, from {@code /proc/PID/status}. */
public final class Rss {

  private Rss() {
  }

  /**
   * Bytes resident summed over {@code pids}, or 0 when there are none or any cannot be read: a
   * sum that silently missed a process would pass for a smaller footprint.
   */
  public static long total(List<Long> pids) {
    long sum = 0;
    for (long pid : pids) {
      long rss = of(pid);
      if (rss == 0) {
        return 0;
      }
      sum += rss;
    }
    return sum;
  }

  /** Bytes resident, or 0 when {@code pid} is 0 or cannot be read. */
  public static long of(long pid) {
    if (pid <= 0) {
      return 0;
    }
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
        }
      }
    } catch (IOException | NumberFormatException e) {
      return 0;
    }
    return 0;
  }
}
