package io.achat.server;

import io.achat.broker.BrokerVerticle;
import io.achat.broker.Event;
import io.achat.broker.LocalCodec;
import io.achat.config.ChatConfig;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A sender that floods faster than the broker routes is slowed down by TCP: the accept loop is
 * deployed against a stand-in broker that routes only when the test says so.
 */
@ExtendWith(VertxExtension.class)
class BackpressureTest {

  private static final int WINDOW = 4096;

  private final Queue<Event.Message> unrouted = new ConcurrentLinkedQueue<>();
  private final AtomicLong received = new AtomicLong();
  private volatile boolean routeAtOnce;
  private final CompletableFuture<Void> all = new CompletableFuture<>();
  private volatile long expected = Long.MAX_VALUE;

  @Test
  void aFloodingSenderIsNotReadWhileTheBrokerLagsAndNothingIsLost(Vertx vertx) throws Exception {
    vertx.eventBus().registerCodec(new LocalCodec());
    vertx.eventBus().<Event>localConsumer(BrokerVerticle.ADDRESS, envelope -> {
      if (envelope.body() instanceof Event.NewPeer) {
        envelope.reply(true);
      } else if (envelope.body() instanceof Event.Message message) {
        standIn(message);
      } else if (envelope.body() instanceof Event.Messages batch) {
        batch.messages().forEach(this::standIn);
      }
    }).completion().await();
    JsonObject conf = ChatConfig.defaults().put("host", "127.0.0.1").put("port", 0).put("maxInFlightBytes", WINDOW)
      .put("drainTimeoutMillis", 100); // the stand-in broker does not answer the shutdown drain
    ServerVerticle server = new ServerVerticle(ChatConfig.fromJson(conf), new ConnectionSlots(10), new AcceptLoops(), null, true);
    vertx.deployVerticle(server, new DeploymentOptions()).await();

    try (SocketChannel flooder = SocketChannel.open(new InetSocketAddress("127.0.0.1", server.localAddress().port()));
         Selector selector = Selector.open()) {
      flooder.configureBlocking(false);
      flooder.register(selector, SelectionKey.OP_WRITE);
      byte[] line = ("flooder: " + "f".repeat(90) + "\n").getBytes(StandardCharsets.US_ASCII);
      int perLine = ("from flooder: " + "f".repeat(90) + "\n").length();
      ByteBuffer chunk = ByteBuffer.allocate(line.length * 100);
      while (chunk.hasRemaining()) {
        chunk.put(line);
      }
      writeFully(flooder, ByteBuffer.wrap("flooder\n".getBytes(StandardCharsets.US_ASCII)), selector);

      // Write until the server has not read for a whole second: its socket is paused.
      ByteBuffer pending = ByteBuffer.allocate(0);
      long linesWritten = 0; // handed to the kernel, the last ones perhaps only in part
      long start = System.nanoTime();
      while (true) {
        if (!pending.hasRemaining()) {
          pending = chunk.duplicate().rewind();
          linesWritten += 100;
        }
        flooder.write(pending);
        if (pending.hasRemaining()) {
          if (selector.select(1000) == 0) {
            break;
          }
          selector.selectedKeys().clear();
        }
      }
      long stalledAfterMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertThat(linesWritten * line.length).as("sent before the server stopped reading").isGreaterThan(1 << 20);
      // What reached the broker is bounded by the window plus what one read brings in.
      assertThat(received.get()).as("received by the broker after %d ms", stalledAfterMillis)
        .isLessThan(WINDOW + 256 * 1024);

      // The broker catches up: the sender is read again and every line arrives.
      long total = linesWritten * perLine;
      expected = total;
      routeAtOnce = true;
      vertx.runOnContext(v -> {
        for (Event.Message m; (m = unrouted.poll()) != null; ) {
          m.backlog().routed(m.line().length);
        }
      });
      writeFully(flooder, pending, selector);
      all.get(60, TimeUnit.SECONDS);
      assertThat(received.get()).isEqualTo(total);
    }
  }

  /** What the stand-in broker does with a message: counts it, and routes it only when told to. */
  private void standIn(Event.Message message) {
    if (received.addAndGet(message.line().length) >= expected) {
      all.complete(null);
    }
    if (routeAtOnce) {
      message.backlog().routed(message.line().length);
    } else {
      unrouted.add(message);
    }
  }

  private static void writeFully(SocketChannel channel, ByteBuffer data, Selector selector) throws Exception {
    while (data.hasRemaining()) {
      if (channel.write(data) == 0) {
        selector.select(1000);
        selector.selectedKeys().clear();
      }
    }
  }
}
