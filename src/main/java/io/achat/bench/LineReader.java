package io.achat.bench;

import io.vertx.core.buffer.Buffer;
import org.HdrHistogram.Histogram;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Splits what the server sends each client into lines and accounts for every line: a delivery,
 * lost lines before it, a duplicate, garbled, or an error.
 */
final class LineReader {

  private static final byte[] FROM = "from ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] ERROR = "error: ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] READY = "ready".getBytes(StandardCharsets.US_ASCII);

  private final Load load;
  private final Client[] clients;
  private final byte[] prefix;
  private final PairCounters expectedSeq;
  private final Histogram latency = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);

  // Touched on the event loop only.
  private long delivered;
  private long duplicates;
  private long garbled;
  private long errors;
  private long measuredDeliveries;
  /**
   * When the chunk being handled arrived, in micros(): over TCP one clock read per read, not per
   * line; over a WebSocket one per frame, which is a line.
   */
  private long arrivedAt;

  LineReader(Load load) {
    this.load = load;
    this.clients = load.clients;
    // Logins go out as UTF-8, so that is what the replies are matched against.
    this.prefix = load.settings.prefix().getBytes(StandardCharsets.UTF_8);
    this.expectedSeq = new PairCounters(clients.length);
  }

  /** {@code client}'s connection closed: an error unless the client was closing it. */
  void closed(Client client) {
    if (!client.closing) {
      errors++;
      load.progress.printf("%s: connection closed by the server%n", client.name);
    }
  }

  long delivered() {
    return delivered;
  }

  long duplicates() {
    return duplicates;
  }

  long garbled() {
    return garbled;
  }

  long errors() {
    return errors;
  }

  long measuredDeliveries() {
    return measuredDeliveries;
  }

  Histogram latency() {
    return latency.copy();
  }

  /**
   * Over TCP: hands each complete line of {@code chunk} to {@link #receive} where it lies (in one
   * copy of the chunk), joining a line that is cut between two reads.
   */
  void chunk(Client me, Buffer chunk) {
    byte[] bytes = chunk.getBytes();
    arrivedAt = load.micros();
    int start = 0;
    int length = bytes.length;
    if (me.partial != null) {
      int newline = indexOf(bytes, (byte) '\n', 0, length);
      if (newline < 0) {
        me.partial.appendBytes(bytes);
        return;
      }
      me.partial.appendBytes(bytes, 0, newline);
      byte[] line = me.partial.getBytes();
      me.partial = null;
      receive(me, line, 0, line.length);
      start = newline + 1;
    }
    for (int newline; (newline = indexOf(bytes, (byte) '\n', start, length)) >= 0; start = newline + 1) {
      receive(me, bytes, start, newline);
    }
    if (start < length) {
      me.partial = Buffer.buffer(256).appendBytes(bytes, start, length - start);
    }
  }

  /** Over a WebSocket: {@code line} is one whole line, without its newline. */
  void line(Client me, Buffer line) {
    byte[] bytes = line.getBytes();
    line(me, bytes, 0, bytes.length);
  }

  /** One line, {@code bytes[from, to)}, without its newline. */
  void line(Client me, byte[] bytes, int from, int to) {
    arrivedAt = load.micros();
    receive(me, bytes, from, to);
  }

  /** Something arrived that cannot be a line at all, such as a binary WebSocket message. */
  void garbled(Client me) {
    garbled++;
  }

  private static int indexOf(byte[] bytes, byte b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (bytes[i] == b) {
        return i;
      }
    }
    return -1;
  }

  /** Parses {@code from PREFIXn: <micros> i=seq i=seq ...} in {@code [begin, length)} of the bytes. */
  private void receive(Client me, byte[] line, int begin, int length) {
    if (!startsWith(line, FROM, begin, length)) {
      if (startsWith(line, ERROR, begin, length)) {
        errors++;
        if (errors <= 10) {
          load.progress.printf("%s got: %s%n", me.name, new String(line, begin, length - begin, StandardCharsets.UTF_8));
        }
      } else {
        garbled++;
      }
      return;
    }
    int at = begin + FROM.length;
    int from = -1;
    if (startsWith(line, prefix, at, length)) {
      at += prefix.length;
      int start = at;
      from = 0;
      while (at < length && isDigit(line[at])) {
        from = from * 10 + (line[at++] - '0');
      }
      if (at == start || from >= clients.length) {
        from = -1;
      }
    }
    if (from < 0 || at + 2 > length || line[at] != ':' || line[at + 1] != ' ') {
      garbled++;
      return;
    }
    at += 2;
    if (!me.registered) {
      if (from == me.index && startsWith(line, READY, at, length)) {
        load.registered(me);
      } else {
        garbled++;
      }
      return;
    }
    long sentAt = 0;
    int start = at;
    while (at < length && isDigit(line[at])) {
      sentAt = sentAt * 10 + (line[at++] - '0');
    }
    if (at == start) {
      garbled++;
      return;
    }
    int seq = -1;
    while (at < length && line[at] == ' ') {
      at++;
      int index = 0;
      int digits = at;
      while (at < length && isDigit(line[at])) {
        index = index * 10 + (line[at++] - '0');
      }
      if (at == digits || at >= length || line[at] != '=') {
        break;
      }
      at++;
      int value = 0;
      digits = at;
      while (at < length && isDigit(line[at])) {
        value = value * 10 + (line[at++] - '0');
      }
      if (at == digits) {
        break;
      }
      if (index == me.index) {
        seq = value;
        break;
      }
    }
    if (seq < 0) {
      garbled++;
      return;
    }
    Client sender = clients[from];
    int next = expectedSeq.get(sender.index, me.index);
    if (seq < next) {
      duplicates++;
      return;
    }
    // A gap means lines were lost: counted at the end (expected minus delivered), and given
    // back to the sender's window so a lossy server does not stall the closed loop.
    sender.outstanding -= seq - next;
    expectedSeq.set(sender.index, me.index, seq + 1);
    delivered++;
    if (load.measured(sentAt)) {
      measuredDeliveries++;
      latency.recordValue(Math.max(0, Math.min(arrivedAt - sentAt, latency.getHighestTrackableValue())));
    }
    sender.outstanding--;
    if (load.closedLoop != null) {
      load.closedLoop.windowOpened(sender);
    }
    load.checkDrained();
  }

  private static boolean isDigit(byte b) {
    return b >= '0' && b <= '9';
  }

  private static boolean startsWith(byte[] line, byte[] prefix, int at, int end) {
    if (end < at + prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (line[at + i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }
}
