package io.achat.protocol;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Strict UTF-8 decoding: malformed input is reported, never replaced, so nothing garbled is
 * passed on. One instance per thread (the decoder keeps state between calls).
 */
public final class Utf8 {

  private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
    .onMalformedInput(CodingErrorAction.REPORT)
    .onUnmappableCharacter(CodingErrorAction.REPORT);

  /** Decodes {@code length} bytes from {@code offset}, or throws if they are not valid UTF-8. */
  public String decode(byte[] bytes, int offset, int length) throws CharacterCodingException {
    boolean ascii = true;
    for (int i = offset; i < offset + length; i++) {
      if (bytes[i] < 0) {
        ascii = false;
        break;
      }
    }
    if (ascii) {
      return new String(bytes, offset, length, StandardCharsets.ISO_8859_1);
    }
    return decoder.decode(ByteBuffer.wrap(bytes, offset, length)).toString();
  }
}
