package io.achat.server;

import io.vertx.core.buffer.Buffer;

import java.nio.charset.StandardCharsets;

/** What the recipients of one user's messages get: {@code from <login>: <text>\n}, built once for all of them. */
final class FromLines {

  private static final byte NL = '\n';

  /** {@code from <login>: } in UTF-8: each line's head. */
  private final byte[] head;

  FromLines(String login) {
    this.head = ("from " + login + ": ").getBytes(StandardCharsets.UTF_8);
  }

  /**
   * The line for a message whose {@code text} was parsed from {@code line}, itself decoded from
   * the first {@code length} of {@code bytes}. When the line is ASCII (its strict UTF-8 decoding
   * gave as many chars as it had bytes), the text is copied straight from the bytes read, where
   * the trimmed text sits right after the first ':' and the white space that follows it;
   * otherwise it is encoded.
   */
  Buffer of(String text, String line, byte[] bytes, int length) {
    if (line.length() != length) {
      byte[] encoded = text.getBytes(StandardCharsets.UTF_8);
      return Buffer.buffer(head.length + encoded.length + 1).appendBytes(head).appendBytes(encoded).appendByte(NL);
    }
    int start = line.indexOf(':') + 1;
    while (start < length && Character.isWhitespace(bytes[start])) {
      start++;
    }
    return Buffer.buffer(head.length + text.length() + 1).appendBytes(head)
      .appendBytes(bytes, start, text.length()).appendByte(NL);
  }
}
