package io.achat.protocol;

import java.util.Optional;

/** The rules a login must follow. Pure logic, no I/O. */
public final class Logins {

  private Logins() {
  }

  /**
   * Checks an already trimmed login; returns why it is refused, or empty when it is acceptable.
   * A login may not hold white space, {@code ,} or {@code :} (they would make it impossible to
   * address) nor control characters, and is at most {@code maxLength} characters long.
   */
  public static Optional<String> check(String login, int maxLength) {
    if (login.isEmpty()) {
      return Optional.of("login must not be empty");
    }
    if (login.codePointCount(0, login.length()) > maxLength) {
      return Optional.of("login is longer than " + maxLength + " characters");
    }
    for (int i = 0; i < login.length(); i++) {
      char c = login.charAt(i);
      if (c == ',' || c == ':' || Character.isWhitespace(c) || Character.isSpaceChar(c)
        || Character.isISOControl(c)) {
        return Optional.of("login must not contain white space, ',', ':' or control characters");
      }
    }
    return Optional.empty();
  }
}
