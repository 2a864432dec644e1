package io.achat.server;

import io.achat.ops.RateLimitedLog;
import org.slf4j.Logger;

/**
 * What an accept loop logs about its clients, each kind at most {@link #LINES} lines in
 * {@link #WINDOW_MILLIS}, then one line saying how many more there were: refusals, logins and
 * leavings, and disconnections (warnings: a client cut off).
 */
record LoopLogs(RateLimitedLog refusals, RateLimitedLog comings, RateLimitedLog cutOffs) {

  static final int LINES = 10;
  static final long WINDOW_MILLIS = 10_000;

  /** The loop's logs, their summaries written to {@code log}. */
  static LoopLogs to(Logger log) {
    return new LoopLogs(new RateLimitedLog(log, "refusals", LINES, WINDOW_MILLIS, false),
      new RateLimitedLog(log, "logins and leavings", LINES, WINDOW_MILLIS, false),
      new RateLimitedLog(log, "disconnections", LINES, WINDOW_MILLIS, true));
  }

  /** Now and then: ends the windows that are over. */
  void tick() {
    refusals.tick();
    comings.tick();
    cutOffs.tick();
  }
}
