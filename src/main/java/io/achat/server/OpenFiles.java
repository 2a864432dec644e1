package io.achat.server;

import com.sun.management.UnixOperatingSystemMXBean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.management.ManagementFactory;
import java.util.concurrent.TimeUnit;

/**
 * Warns when connections are about to use up the process's open-file limit. A failed
 * {@code accept} never reaches Vert.x's public API (Netty pauses accepting for a second and
 * logs it), so the warning comes from counting connections against the descriptors that were
 * free at start, less a reserve for the JVM's and Vert.x's own files.
 */
final class OpenFiles {

  private static final Logger log = LoggerFactory.getLogger(OpenFiles.class);
  private static final long WARN_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);

  private final long limit;
  /** Connections that fit: unknown (no limit read) is {@link Long#MAX_VALUE}. */
  private final long budget;
  private long warnedAt;
  private boolean warned;

  OpenFiles() {
    long max = Long.MAX_VALUE;
    long fit = Long.MAX_VALUE;
    try {
      if (ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean os) {
        max = os.getMaxFileDescriptorCount();
        fit = max - os.getOpenFileDescriptorCount() - 16 - Math.min(max / 10, 256);
      }
    } catch (InternalError noDescriptorLeft) {
      // reading the open count needs a descriptor itself; without one, do not warn at all
    }
    limit = max;
    budget = fit;
  }

  /** At start: says so when {@code maxConnections} cannot be reached under the open-file limit. */
  void checkLimit(int maxConnections) {
    if (maxConnections > budget) {
      log.warn("maxConnections is {} but the open-file limit is {}: about {} connections fit."
          + " Raise the open-file limit (ulimit -n) or lower maxConnections", maxConnections, limit, Math.max(0, budget));
    }
  }

  /** On each new connection, with the number now open. */
  void connected(long open) {
    if (open < budget) {
      return;
    }
    long now = System.nanoTime();
    if (!warned || now - warnedAt > WARN_EVERY_NANOS) {
      warned = true;
      warnedAt = now;
      log.error("open files nearly used up: {} connections and the open-file limit is {}; new connections"
          + " wait until descriptors are free. Raise the open-file limit (ulimit -n) or lower maxConnections",
        open, limit);
    }
  }
}
