package io.achat.broker;

import io.vertx.core.buffer.Buffer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The byte layout of events on the clustered event bus: big-endian integers, strings and byte
 * strings prefixed by their length. A {@code Wire} reads one buffer from a position on.
 */
final class Wire {

  private final Buffer in;
  private int pos;

  Wire(Buffer in, int pos) {
    this.in = in;
    this.pos = pos;
  }

  byte tag() {
    return in.getByte(pos++);
  }

  int i32() {
    int v = in.getInt(pos);
    pos += 4;
    return v;
  }

  long i64() {
    long v = in.getLong(pos);
    pos += 8;
    return v;
  }

  String string() {
    int n = i32();
    String s = in.getString(pos, pos + n, StandardCharsets.UTF_8.name());
    pos += n;
    return s;
  }

  Buffer bytes() {
    int n = i32();
    Buffer b = in.getBuffer(pos, pos + n);
    pos += n;
    return b;
  }

  List<String> strings() {
    int n = i32();
    List<String> list = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      list.add(string());
    }
    return List.copyOf(list);
  }

  static void string(Buffer out, String s) {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    out.appendInt(bytes.length).appendBytes(bytes);
  }

  static void bytes(Buffer out, Buffer b) {
    out.appendInt(b.length()).appendBuffer(b);
  }

  static void strings(Buffer out, List<String> list) {
    out.appendInt(list.size());
    list.forEach(s -> string(out, s));
  }
}
