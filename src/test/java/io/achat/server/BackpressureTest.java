package io.achat.server;

import io.achat.config.BusAddresses;
import io.achat.broker.BrokerVerticle;
import io.achat.broker.Delivery;
import io.achat.broker.Event;
import io.achat.broker.EventCodec;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.achat.support.ClusterFixture;
import io.achat.support.RawWebSocket;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A sender that floods faster than the broker routes is slowed down by TCP, over a plain socket
 * and over a WebSocket: the accept loop is deployed, by class name, against a stand-in broker
 * that says lines were routed only when the test lets it.
 */
@ExtendWith(VertxExtension.class)
class BackpressureTest {

  private static final int WINDOW = 4096;

  // Touched on the stand-in broker's event loop only, but for the counter the test reads.
  private final Queue<Event.Message> unrouted = new ArrayDeque<>();
  private final AtomicLong received = new AtomicLong();
  private boolean routeAtOnce;
  private final CompletableFuture<Void> all = new CompletableFuture<>();
  private volatile long expected = Long.MAX_VALUE;
  private volatile Context broker;

  @ParameterizedTest(name = "over a WebSocket: {0}")
  @ValueSource(booleans = {false, true})
  void aFloodingSenderIsNotReadWhileTheBrokerLagsAndNothingIsLost(boolean webSocket, Vertx vertx) throws Exception {
    EventCodec.registerAll(vertx);
    vertx.eventBus().<Event>localConsumer(BusAddresses.BROKER, envelope -> {
      broker = Vertx.currentContext();
      if (envelope.body() instanceof Event.LoopStarted || envelope.body() instanceof Event.Drain) {
        envelope.reply(null);
      } else {
        standIn(vertx, envelope.body());
      }
    }).completion().await(30, TimeUnit.SECONDS);
    CompletableFuture<String> listening = new CompletableFuture<>();
    vertx.eventBus().<String>localConsumer(BusAddresses.LISTENING, m -> listening.complete(m.body())).completion().await(30, TimeUnit.SECONDS);
    int webPort = ClusterFixture.freePort();
    JsonObject conf = new JsonObject().put("host", "127.0.0.1").put("port", 0).put("maxInFlightBytes", WINDOW)
      .put("managementPort", 0).put("webPort", webSocket ? webPort : 0);
    vertx.deployVerticle(ServerVerticle.class.getName(), new DeploymentOptions().setConfig(conf)).await(30, TimeUnit.SECONDS);
    String address = listening.get(10, TimeUnit.SECONDS);
    int port = webSocket ? webPort : Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));

    try (SocketChannel flooder = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
         Selector selector = Selector.open()) {
      String text = "flooder: " + "f".repeat(90);
      int perLine = ("from flooder: " + "f".repeat(90) + "\n").length();
      if (webSocket) {
        upgrade(flooder);
      }
      flooder.configureBlocking(false);
      flooder.register(selector, SelectionKey.OP_WRITE);
      byte[] line = webSocket ? RawWebSocket.frames(text) : (text + "\n").getBytes(StandardCharsets.US_ASCII);
      ByteBuffer chunk = ByteBuffer.allocate(line.length * 100);
      while (chunk.hasRemaining()) {
        chunk.put(line);
      }
      writeFully(flooder, ByteBuffer.wrap(webSocket ? RawWebSocket.frames("flooder")
        : "flooder\n".getBytes(StandardCharsets.US_ASCII)), selector);

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
      broker.runOnContext(v -> {
        routeAtOnce = true;
        for (Event.Message m; (m = unrouted.poll()) != null; ) {
          routed(vertx, m);
        }
      });
      writeFully(flooder, pending, selector);
      all.get(60, TimeUnit.SECONDS);
      assertThat(received.get()).isEqualTo(total);
    }
  }

  /** What the stand-in broker does: lets every login in, counts messages, routes them only when told to. */
  private void standIn(Vertx vertx, Event event) {
    if (event instanceof Event.Events batch) {
      batch.events().forEach(e -> standIn(vertx, e));
    } else if (event instanceof Event.NewPeer joining) {
      answer(vertx, joining.peer().loop(), Delivery.Joined.accepted(joining.peer().connection()));
    } else if (event instanceof Event.Message message) {
      if (received.addAndGet(message.line().length()) >= expected) {
        all.complete(null);
      }
      if (routeAtOnce) {
        routed(vertx, message);
      } else {
        unrouted.add(message);
      }
    }
  }

  private static void routed(Vertx vertx, Event.Message message) {
    answer(vertx, message.from().loop(), new Delivery.Routed(message.from().connection(), message.line().length()));
  }

  private static void answer(Vertx vertx, String loop, Delivery.Part part) {
    vertx.eventBus().send(loop, new Delivery(List.of(part)), BusAddresses.LOCAL);
  }

  /** The WebSocket upgrade, on the channel while it still blocks. */
  private static void upgrade(SocketChannel channel) throws Exception {
    channel.write(ByteBuffer.wrap(RawWebSocket.upgradeRequest(channel.socket().getPort())));
    StringBuilder head = new StringBuilder();
    ByteBuffer one = ByteBuffer.allocate(1);
    while (!head.toString().endsWith("\r\n\r\n")) {
      one.clear();
      if (channel.read(one) < 0) {
        throw new AssertionError("closed during the upgrade: " + head);
      }
      head.append((char) one.get(0));
    }
    assertThat(head.toString()).startsWith("HTTP/1.1 101");
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
