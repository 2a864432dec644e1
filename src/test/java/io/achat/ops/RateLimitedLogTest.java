package io.achat.ops;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(10)
class RateLimitedLogTest {

  /** A logger that keeps what it is given. */
  private static final class Captured extends LegacyAbstractLogger {
    final List<String> lines = new ArrayList<>();

    @Override
    protected String getFullyQualifiedCallerName() {
      return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] args, Throwable t) {
      lines.add(level + " " + MessageFormatter.basicArrayFormat(pattern, args));
    }

    @Override
    public boolean isTraceEnabled() {
      return true;
    }

    @Override
    public boolean isDebugEnabled() {
      return true;
    }

    @Override
    public boolean isInfoEnabled() {
      return true;
    }

    @Override
    public boolean isWarnEnabled() {
      return true;
    }

    @Override
    public boolean isErrorEnabled() {
      return true;
    }
  }

  @Test
  void aFewLinesAWindowThenOneSummaryOfTheRest() {
    Captured log = new Captured();
    AtomicLong now = new AtomicLong(1_000);
    RateLimitedLog refusals = new RateLimitedLog(log, "refusals", 3, 10_000, false, now::get);
    int allowed = 0;
    for (int i = 0; i < 1000; i++) {
      if (refusals.allow()) {
        allowed++;
      }
    }
    assertThat(allowed).isEqualTo(3);
    refusals.tick();
    assertThat(log.lines).as("no summary before the window ends").isEmpty();
    now.addAndGet(TimeUnit.SECONDS.toNanos(10));
    refusals.tick();
    assertThat(log.lines).containsExactly("INFO ... and 997 more refusals like this in the last 10 s");
    // A new window: three more, and a quiet one has no summary.
    assertThat(refusals.allow()).isTrue();
    now.addAndGet(TimeUnit.SECONDS.toNanos(10));
    refusals.tick();
    assertThat(log.lines).hasSize(1);
  }

  @Test
  void theSummaryOfWarningsIsAWarning() {
    Captured log = new Captured();
    AtomicLong now = new AtomicLong();
    RateLimitedLog cutOffs = new RateLimitedLog(log, "disconnections", 1, 1000, true, now::get);
    assertThat(cutOffs.allow()).isTrue();
    assertThat(cutOffs.allow()).isFalse();
    now.addAndGet(TimeUnit.SECONDS.toNanos(2));
    // The next line's call ends the window too.
    assertThat(cutOffs.allow()).isTrue();
    assertThat(log.lines).containsExactly("WARN ... and 1 more disconnections like this in the last 2 s");
  }
}
