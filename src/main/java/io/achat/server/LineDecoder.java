package io.achat.server;

import io.achat.protocol.Utf8;
import io.vertx.core.buffer.Buffer;

import java.nio.charset.CharacterCodingException;

/** An accept loop's decoding of lines: one scratch buffer and one strict UTF-8 decoder for all its connections. */
final class LineDecoder {

  private final Utf8 utf8 = new Utf8();
  private byte[] scratch = new byte[256];

  /** The first {@code length} bytes of {@code record}, in a buffer that the next call reuses. */
  byte[] bytes(Buffer record, int length) {
    if (scratch.length < length) {
      scratch = new byte[Math.max(length, 2 * scratch.length)];
    }
    record.getBytes(0, length, scratch, 0);
    return scratch;
  }

  /** The first {@code length} of {@code bytes} as strict UTF-8. */
  String decode(byte[] bytes, int length) throws CharacterCodingException {
    return utf8.decode(bytes, 0, length);
  }
}
