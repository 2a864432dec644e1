package io.achat.support;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** An output stream that hands each complete line to the test, which waits for it with a timeout. */
public final class LineSink extends OutputStream {

  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final ByteArrayOutputStream current = new ByteArrayOutputStream();

  @Override
  public synchronized void write(int b) {
    if (b == '\n') {
      lines.add(current.toString(StandardCharsets.UTF_8));
      current.reset();
    } else {
      current.write(b);
    }
  }

  /** The next line, failing the test if none comes within 20 s. */
  public String next() throws InterruptedException {
    String line = lines.poll(20, TimeUnit.SECONDS);
    if (line == null) {
      throw new AssertionError("no line within 20 s");
    }
    return line;
  }

  /** Lines already written and not yet taken. */
  public java.util.List<String> drain() {
    java.util.List<String> taken = new java.util.ArrayList<>();
    lines.drainTo(taken);
    return taken;
  }
}
