package io.achat.broker;

import io.achat.config.ChatConfig;
import io.achat.protocol.Replies;
import io.achat.server.AcceptLoops;
import io.achat.server.ConnectionSlots;
import io.achat.server.ServerVerticle;
import io.achat.server.Sockets;
import io.netty.channel.EventLoop;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.net.SocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The book's {@code broker_loop}: the one owner of the peers map. It routes each message to the
 * sockets of its recipients and tells the sender who is not connected.
 *
 * <p>It deploys the accept loops as its own children: Vert.x undeploys children first, so on
 * shutdown every connection drains into a broker that is still running.
 */
public final class BrokerVerticle extends VerticleBase {

  /** The broker's address on this node's event bus. */
  public static final String ADDRESS = "a-chat.broker";

  private static final Logger log = LoggerFactory.getLogger(BrokerVerticle.class);

  private final ChatConfig config;
  private final Map<String, Peer> peers = new HashMap<>();
  private final ConnectionSlots slots;
  private final AcceptLoops loops = new AcceptLoops();
  private final List<Message<Event>> drainRequests = new ArrayList<>();
  private final List<Peer> unflushed = new ArrayList<>();
  private boolean flushScheduled;
  // Filled by the deployment below, which creates its instances before it returns.
  private final List<ServerVerticle> servers = new ArrayList<>();

  public BrokerVerticle(ChatConfig config) {
    this.config = config;
    this.slots = new ConnectionSlots(config.maxConnections());
  }

  @Override
  public Future<?> start() {
    MessageConsumer<Event> consumer = vertx.eventBus().localConsumer(ADDRESS, this::handle);
    // The first accept loop shares the broker's event loop and opens the listening socket; the
    // others then join it (see ServerVerticle).
    EventLoop own = ((ContextInternal) context).nettyEventLoop();
    return consumer.completion()
      .compose(v -> deployServers(1, own, true))
      .compose(v -> config.serverInstances() == 1 ? Future.succeededFuture()
        : deployServers(config.serverInstances() - 1, null, false));
  }

  private Future<String> deployServers(int instances, EventLoop loop, boolean listens) {
    return vertx.deployVerticle(() -> {
      ServerVerticle server = new ServerVerticle(config, slots, loops, loop, listens);
      servers.add(server);
      return server;
    }, new DeploymentOptions().setInstances(instances));
  }

  /** The address the server listens on (the real port when the configured one was 0). */
  public SocketAddress localAddress() {
    return servers.get(0).localAddress();
  }

  private void handle(Message<Event> envelope) {
    Event event = envelope.body();
    if (event instanceof Event.Message message) {
      route(message);
    } else if (event instanceof Event.Messages batch) {
      batch.messages().forEach(this::route);
    } else if (event instanceof Event.NewPeer joining) {
      envelope.reply(peers.putIfAbsent(joining.login(), new Peer(joining.socket())) == null);
    } else if (event instanceof Event.Disconnect gone) {
      Peer peer = peers.get(gone.login());
      if (peer != null && peer.socket() == gone.socket()) {
        peers.remove(gone.login());
        peer.flush();
      }
      envelope.reply(true);
    } else if (event instanceof Event.Drain) {
      drainRequests.add(envelope);
      if (drainRequests.size() >= config.serverInstances()) {
        flush();
        log.debug("all accept loops stopped reading; {} peers to drain", peers.size());
        drainRequests.forEach(request -> request.reply(peers.size()));
        drainRequests.clear();
      }
    }
  }

  private void route(Event.Message message) {
    List<String> missing = null;
    for (String name : message.recipients()) {
      Peer peer = peers.get(name);
      if (peer != null && peer.queued() > config.maxQueuedBytes()) {
        dropSlowConsumer(name, peer);
        peer = null;
      }
      if (peer != null) {
        deliver(peer, message.line());
      } else {
        if (missing == null) {
          missing = new ArrayList<>(2);
        }
        missing.add(name);
      }
    }
    if (missing != null) {
      Peer sender = peers.get(message.from());
      if (sender != null) {
        deliver(sender, Replies.notConnected(missing));
      }
    }
    message.backlog().routed(message.line().length);
  }

  private void deliver(Peer peer, byte[] line) {
    if (peer.add(line)) {
      unflushed.add(peer);
      if (!flushScheduled) {
        flushScheduled = true;
        context.runOnContext(v -> flush());
      }
    }
  }

  /**
   * Ends the broker's turn: each user who was routed lines since the last one gets them in one
   * write. Runs after the events already waiting for the broker, so a burst is written together.
   */
  private void flush() {
    flushScheduled = false;
    for (Peer peer : unflushed) {
      peer.flush();
    }
    unflushed.clear();
  }

  /**
   * A recipient whose queue passed {@code maxQueuedBytes} is not reading: holding more for it
   * would let one client grow the server's memory without bound.
   */
  private void dropSlowConsumer(String name, Peer peer) {
    peers.remove(name);
    log.warn("{} ({}) is not reading: {} bytes queued for it, more than maxQueuedBytes; disconnecting",
      peer.socket().remoteAddress(), name, peer.queued());
    peer.discard();
    Sockets.abort(peer.socket());
  }
}
