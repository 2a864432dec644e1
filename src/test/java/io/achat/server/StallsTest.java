package io.achat.server;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The kernel lets go of stalled clients only where its TCP_USER_TIMEOUT covers a shut window. */
class StallsTest {

  @Test
  void linuxFrom5Point11OnCoversAShutWindow() {
    assertThat(Stalls.windowFixed("5.11.0")).isTrue();
    assertThat(Stalls.windowFixed("6.1.0-13-amd64")).isTrue();
    assertThat(Stalls.windowFixed("6.18.44-fc-v1300")).isTrue();
    assertThat(Stalls.windowFixed("10.0")).isTrue();
  }

  @Test
  void olderOrUnreadableVersionsKeepTheIdleTimer() {
    assertThat(Stalls.windowFixed("5.10.0-28-amd64")).isFalse();
    assertThat(Stalls.windowFixed("4.19.0")).isFalse();
    assertThat(Stalls.windowFixed("3.10.0-1160.el7.x86_64")).isFalse();
    assertThat(Stalls.windowFixed("")).isFalse();
    assertThat(Stalls.windowFixed("unknown")).isFalse();
  }
}
