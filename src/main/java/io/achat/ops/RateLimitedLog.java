package io.achat.ops;

import org.slf4j.Logger;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * One kind of log line about clients (refusals, cut-offs, comings and goings), at most
 * {@code perWindow} of them in each window; the rest are counted and summed up in one line,
 * {@code ... and 1234 more like this in the last 10 s}, so that no client, nor a thousand, can
 * flood the log. Touched on one event loop only.
 */
public final class RateLimitedLog {

  private final Logger log;
  private final String kind;
  private final int perWindow;
  private final long windowNanos;
  private final boolean warn;
  private final LongSupplier clock;
  private long windowStart;
  private int logged;
  private long heldBack;

  /**
   * @param kind what the lines are about, for the summary ("refusals")
   * @param warn whether the summary is a warning (as the lines it stands for are)
   */
  public RateLimitedLog(Logger log, String kind, int perWindow, long windowMillis, boolean warn) {
    this(log, kind, perWindow, windowMillis, warn, System::nanoTime);
  }

  RateLimitedLog(Logger log, String kind, int perWindow, long windowMillis, boolean warn, LongSupplier clock) {
    this.clock = clock;
    this.windowStart = clock.getAsLong();
    this.log = log;
    this.kind = kind;
    this.perWindow = perWindow;
    this.windowNanos = TimeUnit.MILLISECONDS.toNanos(windowMillis);
    this.warn = warn;
  }

  /** Whether a line of this kind may be logged now; one that may not is counted for the summary. */
  public boolean allow() {
    tick();
    if (logged < perWindow) {
      logged++;
      return true;
    }
    heldBack++;
    return false;
  }

  /** Logs at info level through {@code to}, if a line of this kind may be logged now. */
  public void info(Logger to, String format, Object... arguments) {
    if (allow()) {
      to.info(format, arguments);
    }
  }

  /** Logs a warning through {@code to}, if a line of this kind may be logged now. */
  public void warn(Logger to, String format, Object... arguments) {
    if (allow()) {
      to.warn(format, arguments);
    }
  }

  /** Ends the window once it is over, with the summary of what it held back; call it now and then too. */
  public void tick() {
    long now = clock.getAsLong();
    if (now - windowStart < windowNanos) {
      return;
    }
    if (heldBack > 0) {
      String seconds = TimeUnit.NANOSECONDS.toSeconds(now - windowStart) + " s";
      if (warn) {
        log.warn("... and {} more {} like this in the last {}", heldBack, kind, seconds);
      } else {
        log.info("... and {} more {} like this in the last {}", heldBack, kind, seconds);
      }
    }
    windowStart = now;
    logged = 0;
    heldBack = 0;
  }
}
