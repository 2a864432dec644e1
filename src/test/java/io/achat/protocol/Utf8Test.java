package io.achat.protocol;

import org.junit.jupiter.api.Test;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class Utf8Test {

  private final Utf8 utf8 = new Utf8();

  @Test
  void decodesAsciiAndMultiByteText() throws Exception {
    byte[] bytes = "xx bob: żółw 🐢".getBytes(StandardCharsets.UTF_8);
    assertThat(utf8.decode(bytes, 3, bytes.length - 3)).isEqualTo("bob: żółw 🐢");
    assertThat(utf8.decode("plain".getBytes(StandardCharsets.US_ASCII), 0, 5)).isEqualTo("plain");
  }

  @Test
  void rejectsMalformedTruncatedOverlongAndSurrogateSequences() {
    byte[][] bad = {
      {(byte) 0xff},
      {'a', (byte) 0xc3},
      {(byte) 0xc0, (byte) 0xaf},
      {(byte) 0xed, (byte) 0xa0, (byte) 0x80},
      {(byte) 0xe9, 't', 'e'},
    };
    for (byte[] bytes : bad) {
      assertThatThrownBy(() -> utf8.decode(bytes, 0, bytes.length)).isInstanceOf(CharacterCodingException.class);
    }
  }
}
