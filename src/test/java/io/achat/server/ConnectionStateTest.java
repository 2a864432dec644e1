package io.achat.server;

import io.achat.server.ConnectionState.Chat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every move of a connection's life, the allowed ones and the rest. */
@Timeout(30)
class ConnectionStateTest {

  /** The diagram of {@link ConnectionState}, written out again: what each step may move on to. */
  private static final Map<Chat, Set<Chat>> ALLOWED = Map.of(
    Chat.LOGIN, EnumSet.of(Chat.CHECKING, Chat.JOINING, Chat.GONE, Chat.CUT_OFF),
    Chat.CHECKING, EnumSet.of(Chat.JOINING, Chat.GONE),
    Chat.JOINING, EnumSet.of(Chat.CHATTING, Chat.GONE),
    Chat.CHATTING, EnumSet.of(Chat.LEAVING, Chat.GONE, Chat.CUT_OFF),
    Chat.LEAVING, EnumSet.of(Chat.GONE, Chat.CUT_OFF),
    Chat.GONE, EnumSet.noneOf(Chat.class),
    Chat.CUT_OFF, EnumSet.noneOf(Chat.class));

  /** The shortest way from LOGIN to {@code step}. */
  private static final Map<Chat, List<Chat>> PATHS = Map.of(
    Chat.LOGIN, List.of(),
    Chat.CHECKING, List.of(Chat.CHECKING),
    Chat.JOINING, List.of(Chat.JOINING),
    Chat.CHATTING, List.of(Chat.JOINING, Chat.CHATTING),
    Chat.LEAVING, List.of(Chat.JOINING, Chat.CHATTING, Chat.LEAVING),
    Chat.GONE, List.of(Chat.GONE),
    Chat.CUT_OFF, List.of(Chat.CUT_OFF));

  private static ConnectionState at(Chat step, AtomicInteger uncounted) {
    ConnectionState state = new ConnectionState(uncounted::incrementAndGet);
    PATHS.get(step).forEach(state::to);
    assertThat(state.chat()).isEqualTo(step);
    return state;
  }

  @Test
  void everyMoveTheDiagramDrawsIsAllowedAndEveryOtherThrowsLeavingTheStateAsItWas() {
    int allowed = 0;
    int refused = 0;
    for (Chat from : Chat.values()) {
      for (Chat to : Chat.values()) {
        AtomicInteger uncounted = new AtomicInteger();
        ConnectionState state = at(from, uncounted);
        if (ALLOWED.get(from).contains(to)) {
          state.to(to);
          assertThat(state.chat()).as("%s -> %s", from, to).isEqualTo(to);
          allowed++;
        } else {
          assertThatThrownBy(() -> state.to(to)).as("%s -> %s", from, to).isInstanceOf(IllegalStateException.class)
            .hasMessageContaining(from + " to " + to);
          assertThat(state.chat()).isEqualTo(from);
          refused++;
        }
      }
    }
    assertThat(allowed).isEqualTo(13);
    assertThat(refused).isEqualTo(7 * 7 - 13);
  }

  @Test
  void itReadsAtLoginAndWhileChattingUntilTheServerStops() {
    for (Chat step : Chat.values()) {
      ConnectionState state = at(step, new AtomicInteger());
      assertThat(state.reads()).as("%s", step).isEqualTo(step == Chat.LOGIN || step == Chat.CHATTING);
      state.stopping();
      assertThat(state.reads()).as("%s, stopping", step).isFalse();
      assertThat(state.serverStopping()).isTrue();
      assertThatThrownBy(state::stopping).isInstanceOf(IllegalStateException.class);
    }
  }

  @Test
  void itsBytesStopCountingOnceWhenItsChatEndsOrItsSocketClosesWhicheverIsFirst() {
    AtomicInteger uncounted = new AtomicInteger();
    ConnectionState state = at(Chat.CHATTING, uncounted);
    assertThat(state.counted()).isTrue();
    assertThat(state.evictable()).isTrue();
    state.socketClosed();
    assertThat(uncounted).hasValue(1);
    assertThat(state.counted()).isFalse();
    assertThat(state.evictable()).isFalse();
    assertThat(state.forgotten()).as("still chatting").isFalse();
    state.to(Chat.LEAVING);
    state.to(Chat.GONE);
    assertThat(uncounted).as("once").hasValue(1);
    assertThat(state.forgotten()).isTrue();
    assertThatThrownBy(state::socketClosed).isInstanceOf(IllegalStateException.class);

    AtomicInteger other = new AtomicInteger();
    ConnectionState cut = at(Chat.CHATTING, other);
    cut.to(Chat.CUT_OFF);
    assertThat(other).hasValue(1);
    assertThat(cut.forgotten()).as("its socket is still open").isFalse();
    cut.socketClosed();
    assertThat(other).as("once").hasValue(1);
    assertThat(cut.forgotten()).isTrue();
  }

  @Test
  void whileItsLoginIsDecidedTheMemoryBudgetLeavesItAlone() {
    for (Chat step : Chat.values()) {
      ConnectionState state = at(step, new AtomicInteger());
      assertThat(state.evictable()).as("%s", step)
        .isEqualTo(step == Chat.LOGIN || step == Chat.CHATTING || step == Chat.LEAVING);
    }
  }

  @Test
  void endingEndsOnceAndEndingAgainChangesNothing() {
    AtomicInteger uncounted = new AtomicInteger();
    ConnectionState state = at(Chat.JOINING, uncounted);
    state.end();
    assertThat(state.chat()).isEqualTo(Chat.GONE);
    state.end();
    assertThat(state.chat()).isEqualTo(Chat.GONE);
    ConnectionState cut = at(Chat.CUT_OFF, uncounted);
    cut.end();
    assertThat(cut.chat()).as("cut off stays cut off").isEqualTo(Chat.CUT_OFF);
    assertThat(uncounted).hasValue(2);
  }
}
