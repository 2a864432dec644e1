package io.achat.accounts;

import io.achat.accounts.CheckLanes.Lane;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The order of password checks on the hashing threads, with a clock the test moves. */
@Timeout(30)
class CheckLanesTest {

  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  /** What happened to each check, in order: "started x" or "refused x". */
  private final List<String> events = new ArrayList<>();

  private CheckLanes.Check check(String label) {
    return new CheckLanes.Check() {
      @Override
      public void start() {
        events.add("started " + label);
      }

      @Override
      public void refuse() {
        events.add("refused " + label);
      }
    };
  }

  private void advanceMillis(long millis) {
    now.addAndGet(TimeUnit.MILLISECONDS.toNanos(millis));
  }

  @Test
  void familiarFirstOldestFirstThenQuietAndTheRestNewestFirst() {
    CheckLanes lanes = new CheckLanes(1, now::get);
    lanes.submit(Lane.UNFAMILIAR, check("running"));
    lanes.submit(Lane.UNFAMILIAR, check("u1"));
    lanes.submit(Lane.QUIET, check("q1"));
    lanes.submit(Lane.UNFAMILIAR, check("u2"));
    lanes.submit(Lane.QUIET, check("q2"));
    lanes.submit(Lane.FAMILIAR, check("f1"));
    lanes.submit(Lane.FAMILIAR, check("f2"));
    assertThat(events).containsExactly("started running");
    assertThat(lanes.waiting()).isEqualTo(6);
    for (int i = 0; i < 6; i++) {
      lanes.finished();
    }
    assertThat(events).containsExactly("started running", "started f1", "started f2", "started q2", "started q1",
      "started u2", "started u1");
    lanes.finished();
    assertThat(lanes.waiting()).isZero();
    lanes.submit(Lane.UNFAMILIAR, check("free"));
    assertThat(events).as("the thread was given back").endsWith("started free");
  }

  @Test
  void asManyRunAtOnceAsThereAreThreads() {
    CheckLanes lanes = new CheckLanes(2, now::get);
    lanes.submit(Lane.QUIET, check("a"));
    lanes.submit(Lane.QUIET, check("b"));
    lanes.submit(Lane.FAMILIAR, check("c"));
    assertThat(events).containsExactly("started a", "started b");
    lanes.finished();
    assertThat(events).endsWith("started c");
  }

  @Test
  void pastSixtyFourWaitingAQuietOrOtherLaneRefusesItsOldestAndTheFamiliarLaneTheNewcomer() {
    CheckLanes lanes = new CheckLanes(1, now::get);
    lanes.submit(Lane.FAMILIAR, check("running"));
    for (Lane lane : Lane.values()) {
      for (int i = 0; i < CheckLanes.MAX_WAITING; i++) {
        lanes.submit(lane, check(lane + " " + i));
      }
    }
    assertThat(events).containsExactly("started running");
    assertThat(lanes.waiting()).isEqualTo(3 * CheckLanes.MAX_WAITING);
    lanes.submit(Lane.QUIET, check("QUIET new"));
    lanes.submit(Lane.UNFAMILIAR, check("UNFAMILIAR new"));
    lanes.submit(Lane.FAMILIAR, check("FAMILIAR new"));
    assertThat(events).containsExactly("started running", "refused QUIET 0", "refused UNFAMILIAR 0",
      "refused FAMILIAR new");
    assertThat(lanes.waiting()).isEqualTo(3 * CheckLanes.MAX_WAITING);
  }

  @Test
  void aQuietOrOtherCheckThatWaitedThreeSecondsIsRefusedWhenAThreadFrees() {
    CheckLanes lanes = new CheckLanes(1, now::get);
    lanes.submit(Lane.QUIET, check("running"));
    lanes.submit(Lane.QUIET, check("old quiet"));
    lanes.submit(Lane.UNFAMILIAR, check("old other"));
    lanes.submit(Lane.FAMILIAR, check("old familiar"));
    advanceMillis(CheckLanes.MAX_WAIT_MILLIS - 1);
    lanes.submit(Lane.UNFAMILIAR, check("young other"));
    advanceMillis(1);
    lanes.finished();
    assertThat(events).containsExactly("started running", "refused old quiet", "refused old other",
      "started old familiar");
    lanes.finished();
    assertThat(events).endsWith("started young other");
    assertThat(lanes.waiting()).isZero();
  }

  @Test
  void onlyHeardAttemptsHaveALane() {
    assertThat(Lane.of(LoginGuard.Verdict.FAMILIAR)).isEqualTo(Lane.FAMILIAR);
    assertThat(Lane.of(LoginGuard.Verdict.QUIET)).isEqualTo(Lane.QUIET);
    assertThat(Lane.of(LoginGuard.Verdict.UNFAMILIAR)).isEqualTo(Lane.UNFAMILIAR);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Lane.of(LoginGuard.Verdict.NAME_THROTTLED))
      .isInstanceOf(IllegalArgumentException.class);
  }
}
