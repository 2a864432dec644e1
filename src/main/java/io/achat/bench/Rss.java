package io.achat.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resident memory of a process, from {@code /proc/PID/status}. */
public final class Rss {

  private Rss() {
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
