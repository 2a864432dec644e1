package io.achat.server;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.parsetools.RecordParser;
import io.vertx.core.streams.ReadStream;

/**
 * The card's {@link RecordParser} over what a link reads: splits it at {@code \n} into lines for
 * the {@link Connection}, holds the rest while the connection does not read (pausing the source),
 * and tells the connection how many bytes it holds, for maxClientMemory.
 */
final class Lines {

  private final ReadStream<Buffer> source;
  private final Inbound inbound;
  private final RecordParser parser;
  /** Bytes read from the source, and bytes of them handed over as lines (with their '\n'). */
  private long received;
  private long consumed;
  private long reported;

  /**
   * Reads {@code source}; an unfinished line over {@code maxLineLength} (plus the {@code \r} of a
   * CRLF) goes to {@link Inbound#failed}, and {@code end} runs once every line before the
   * source's end has been handed over.
   */
  Lines(ReadStream<Buffer> source, int maxLineLength, Inbound inbound, Handler<Void> end) {
    this.source = source;
    this.inbound = inbound;
    parser = RecordParser.newDelimited("\n", new Counted()).maxRecordSize(maxLineLength + 1);
    parser.exceptionHandler(inbound::failed);
    parser.endHandler(end);
    parser.handler(line -> {
      consumed += line.length() + 1;
      inbound.line(line);
    });
  }

  void pause() {
    parser.pause();
  }

  void resume() {
    parser.resume();
    report();
  }

  /** Tells the connection how much of what was read the parser still holds. */
  private void report() {
    long held = Math.max(0, received - consumed);
    if (held != reported) {
      long change = held - reported;
      reported = held;
      inbound.holding(change);
    }
  }

  /** The source as the parser reads it, counting the bytes on their way in. */
  private final class Counted implements ReadStream<Buffer> {

    @Override
    public ReadStream<Buffer> handler(Handler<Buffer> handler) {
      source.handler(handler == null ? null : chunk -> {
        received += chunk.length();
        handler.handle(chunk);
        report();
      });
      return this;
    }

    @Override
    public ReadStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
      source.exceptionHandler(handler);
      return this;
    }

    @Override
    public ReadStream<Buffer> endHandler(Handler<Void> handler) {
      source.endHandler(handler);
      return this;
    }

    @Override
    public ReadStream<Buffer> pause() {
      source.pause();
      return this;
    }

    @Override
    public ReadStream<Buffer> resume() {
      source.resume();
      return this;
    }

    @Override
    public ReadStream<Buffer> fetch(long amount) {
      source.fetch(amount);
      return this;
    }
  }
}
