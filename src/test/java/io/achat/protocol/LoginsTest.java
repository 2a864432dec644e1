package io.achat.protocol;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

class LoginsTest {

  @ParameterizedTest
  @ValueSource(strings = {"alice", "a", "zoë", "李雷", "bob-2_x.y", "abcdefghijklmnopqrstuvwxyz012345"})
  void acceptable(String login) {
    assertThat(Logins.check(login, 32)).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "al ice", "al\tice", "a,b", "a:b", "a\u0000b", "a\u007fb", "a\u2003b",
    "abcdefghijklmnopqrstuvwxyz0123456"})
  void refused(String login) {
    assertThat(Logins.check(login, 32)).isPresent();
  }

  @ParameterizedTest
  @ValueSource(strings = {"😀😀😀😀", "ąęćż"})
  void lengthCountsCharactersNotBytesOrUtf16Units(String login) {
    assertThat(Logins.check(login, 4)).isEmpty();
    assertThat(Logins.check(login, 3)).isPresent();
  }
}
