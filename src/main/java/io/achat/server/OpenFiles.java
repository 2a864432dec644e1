package io.achat.server;

import com.sun.management.UnixOperatingSystemMXBean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.management.ManagementFactory;
import java.util.concurrent.TimeUnit;

/**
 * How many connections fit under the process's open-file limit: the descriptors free at start,
 * less a reserve for the JVM's and Vert.x's own files. A failed {@code accept} never reaches
 * Vert.x's public API (Netty pauses accepting for a second and logs it), so the doors keep their
 * connections under this count instead and make room before the descriptors run out.
 */
final class OpenFiles {

  private static final Logger log = LoggerFactory.getLogger(OpenFiles.class);
  private static final long WARN_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);

  private final long limit;
  /** Connections that fit: unknown (no limit read) is {@link Long#MAX_VALUE}. */
  private final long fit;
  private long warnedAt;
  private boolean warned;

  OpenFiles() {
    long max = Long.MAX_VALUE;
    long free = Long.MAX_VALUE;
    try {
      if (ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean os) {
        max = os.getMaxFileDescriptorCount();
        free = max - os.getOpenFileDescriptorCount() - reserve(max);
      }
    } catch (InternalError noDescriptorLeft) {
      // reading the open count needs a descriptor itself; without one, trust maxConnections
    }
    limit = max;
    fit = Math.max(1, free);
  }

  /**
   * Descriptors kept free of connections: for the JVM's and Vert.x's own files, and for the
   * connections Netty accepts in a burst before the accept loop has seen them and made room (a
   * quarter of the limit, at most 1024).
   */
  static long reserve(long max) {
    return 16 + Math.min(max / 4, 1024);
  }

  /** Connections that fit under the open-file limit. */
  long fit() {
    return fit;
  }

  /** At start: says so when {@code wanted} connections cannot be had under the open-file limit. */
  void checkLimit(long wanted) {
    if (wanted > fit) {
      log.warn("maxConnections and maxManagementConnections add up to {} but the open-file limit is {}: about {}"
          + " connections fit. Raise the open-file limit (ulimit -n) or lower maxConnections", wanted, limit, fit);
    }
  }

  /** The node holds as many connections as fit: said at most every 10 s. */
  void usedUp(long open) {
    long now = System.nanoTime();
    if (!warned || now - warnedAt > WARN_EVERY_NANOS) {
      warned = true;
      warnedAt = now;
      log.error("open files nearly used up: {} connections and the open-file limit is {}; connections that have"
          + " not logged in make room for new ones, which are refused when none has. Raise the open-file limit"
          + " (ulimit -n) or lower maxConnections", open, limit);
    }
  }
}
