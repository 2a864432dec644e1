package io.achat.protocol;

import java.nio.charset.StandardCharsets;
import java.util.List;

/** The lines the server sends, encoded as the bytes that go on the wire. */
public final class Replies {

  public static final String ERROR_PREFIX = "error: ";

  private Replies() {
  }

  /** {@code error: <reason>\n}: the only kind of line the server adds to the book's protocol. */
  public static byte[] error(String reason) {
    return (ERROR_PREFIX + reason + "\n").getBytes(StandardCharsets.UTF_8);
  }

  /** Why a login was refused because another user has it. */
  public static String taken(String login) {
    return "login '" + login + "' is taken";
  }

  public static byte[] notConnected(List<String> names) {
    return error("not connected: " + String.join(", ", names));
  }

  public static byte[] lineTooLong(int maxBytes) {
    return error("line longer than " + maxBytes + " bytes");
  }
}
