package io.achat.broker;

import io.achat.config.BusAddresses;
import io.achat.config.ChatConfig;
import io.achat.ops.ChatMetrics;
import io.achat.ops.ChatMetrics.Refusal;
import io.achat.ops.LoopWatch;
import io.achat.protocol.Replies;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.LocalMap;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The book's {@code broker_loop}: the one owner of the peers map. It takes the events of the
 * accept loops (NewPeer, Message, Disconnect) in the order each loop sent them, routes every
 * message to its recipients, and at the end of each turn of its event loop sends every accept
 * loop one {@link Delivery} with the lines for its connections and the answers to their events
 * ({@link TurnOutbox}). Stopping is the {@link Drain}'s job; on a clustered Vert.x, everything
 * about the other nodes is {@link ClusterRouting}'s, which asks this broker for what it needs of
 * the users here ({@link LocalUsers}). One per Vert.x instance, on one context: no locks.
 */
public final class BrokerVerticle extends VerticleBase {

  private static final String CLAIM = "broker";

  private final Map<String, Recipient> peers = new HashMap<>();
  private ChatMetrics metrics;
  private long drainTimeoutMillis;
  private TurnOutbox outbox;
  private Drain drain;
  private Presence presence;
  /** {@code null} on a Vert.x that is not clustered. */
  private ClusterRouting cluster;

  @Override
  public Future<?> start() {
    String holder = deployments().putIfAbsent(CLAIM, context.deploymentID());
    if (holder != null) {
      return Future.failedFuture(new IllegalStateException(
        "an a-chat broker is already deployed in this Vert.x instance (deployment " + holder
          + "); deploy one a-chat per Vert.x instance"));
    }
    EventCodec.registerAll(vertx);
    metrics = ChatMetrics.of(vertx);
    LoopWatch.of(vertx).watch("the broker", context);
    outbox = new TurnOutbox(vertx, metrics, new EndOfTurn(context, this::endTurn));
    drain = new Drain(outbox, this::drained);
    // On a cluster, accept loops are served only once this broker has joined the others.
    return ChatConfig.of(vertx, config())
      .compose(loaded -> {
        drainTimeoutMillis = loaded.drainTimeoutMillis();
        presence = new Presence(this::online, outbox, metrics, loaded.maxWatched(), loaded.maxLoginLength());
        if (!vertx.isClustered()) {
          return Future.succeededFuture();
        }
        cluster = new ClusterRouting(vertx, new Users(), outbox, metrics);
        return cluster.join();
      })
      .compose(v -> Future.all(
        vertx.eventBus().<Event>localConsumer(BusAddresses.BROKER, this::handle).completion(),
        vertx.eventBus().localConsumer(BusAddresses.BROKER_STATUS, m -> m.reply(status())).completion()))
      .onFailure(e -> deployments().remove(CLAIM, context.deploymentID()));
  }

  private LocalMap<String, String> deployments() {
    return vertx.sharedData().getLocalMap("a-chat");
  }

  /** Stops once every accept loop has drained and, on a cluster, the other nodes have caught up. */
  @Override
  public Future<?> stop() {
    return drain.stop(vertx, drainTimeoutMillis, () -> cluster == null ? Future.succeededFuture() : cluster.quiet())
      .onComplete(ar -> {
        if (cluster != null) {
          cluster.stop();
        }
        deployments().remove(CLAIM, context.deploymentID());
        LoopWatch.of(vertx).forget(context);
      });
  }

  private void handle(Message<Event> envelope) {
    Event event = envelope.body();
    long start = System.nanoTime();
    if (event instanceof Event.LoopStarted started) {
      outbox.loop(started.loop());
      envelope.reply(null);
    } else if (event instanceof Event.Drain loopDrained) {
      drain.request(loopDrained, envelope);
    } else {
      handle(event);
    }
    metrics.brokerEvent(System.nanoTime() - start);
  }

  /** For health probes: whether this broker routes, and how many users it has. */
  private JsonObject status() {
    JsonObject status = new JsonObject().put("routing", !drain.stopping()).put("users", peers.size());
    return cluster == null ? status : status.put("cluster", cluster.status());
  }

  private void handle(Event event) {
    if (event instanceof Event.Message message) {
      route(message);
    } else if (event instanceof Event.Events batch) {
      batch.events().forEach(this::handle);
    } else if (event instanceof Event.NewPeer joining) {
      join(joining);
    } else if (event instanceof Event.Reply reply) {
      answerAndCredit(reply.to(), reply.login(), reply.line(), reply.line().length());
    } else if (event instanceof Event.Disconnect gone) {
      leave(gone);
    } else if (event instanceof Event.Ask ask) {
      Recipient asker = peers.get(ask.login());
      if (asker != null && asker.id.equals(ask.from())) {
        presence.ask(asker, ask);
      }
      outbox.routed(ask.from(), ask.bytes());
    }
  }

  /** Whether {@code login} is online here or, as far as this node knows, on another node. */
  private boolean online(String login) {
    return peers.containsKey(login) || cluster != null && cluster.elsewhere(login);
  }

  private void joined(String login, Recipient user) {
    peers.put(login, user);
    presence.changed(login);
  }

  /** {@code user}, logged in as {@code login}, is no longer a user here. */
  private void gone(String login, Recipient user) {
    peers.remove(login, user);
    presence.left(user);
    presence.changed(login);
  }

  private void join(Event.NewPeer joining) {
    PeerId peer = joining.peer();
    String login = joining.login();
    if (peers.containsKey(login) || cluster != null && cluster.claiming(login)) {
      refuse(peer, Refusal.TAKEN, Replies.taken(login));
    } else if (cluster == null) {
      joined(login, new Recipient(peer, outbox.loop(peer.loop())));
      outbox.add(peer.loop(), Delivery.Joined.accepted(peer.connection()));
    } else {
      cluster.claim(login).onComplete(claim -> claimed(joining, claim));
    }
  }

  /** The cluster's answer to a login claim: whether this node holds the login now. */
  private void claimed(Event.NewPeer joining, AsyncResult<Boolean> claim) {
    PeerId peer = joining.peer();
    String login = joining.login();
    if (claim.failed()) {
      refuse(peer, Refusal.UNAVAILABLE, "cannot log in now: the cluster did not answer; try again");
    } else if (!claim.result()) {
      refuse(peer, Refusal.TAKEN, Replies.taken(login));
    } else if (drain.stopping()) {
      cluster.release(login);
      refuse(peer, Refusal.SHUTTING_DOWN, "server is shutting down");
    } else {
      joined(login, new Recipient(peer, outbox.loop(peer.loop())));
      cluster.online(login)
        .onComplete(ar -> outbox.add(peer.loop(), Delivery.Joined.accepted(peer.connection())));
    }
  }

  private void refuse(PeerId peer, Refusal reason, String why) {
    metrics.refused(reason);
    outbox.add(peer.loop(), Delivery.Joined.refused(peer.connection(), why));
  }

  private void route(Event.Message message) {
    presence.sending(message.login());
    List<String> missing = null;
    List<String> remote = null;
    for (String name : message.recipients()) {
      Recipient recipient = peers.get(name);
      if (recipient != null) {
        outbox.deliver(recipient, message.line());
      } else if (cluster != null && cluster.elsewhere(name)) {
        remote = add(remote, name);
      } else {
        missing = add(missing, name);
      }
    }
    outbox.countRouted(missing != null);
    Buffer notConnected = missing == null ? null : Buffer.buffer(Replies.notConnected(missing));
    if (remote == null) {
      answerAndCredit(message.from(), message.login(), notConnected, message.line().length());
    } else {
      answerAndCredit(message.from(), message.login(), notConnected, 0);
      cluster.forward(message, remote);
    }
  }

  private static List<String> add(List<String> names, String name) {
    List<String> to = names != null ? names : new ArrayList<>(2);
    to.add(name);
    return to;
  }

  /** Gives the sender its answer (if any) behind the lines already routed to it, and its flow-control credit. */
  private void answerAndCredit(PeerId from, String login, Buffer line, int routedBytes) {
    if (line != null) {
      answer(from, login, line);
    }
    if (routedBytes > 0) {
      outbox.routed(from, routedBytes);
    }
  }

  /**
   * Gives {@code from} {@code line}: behind the lines routed to it this turn while it is the user
   * logged in as {@code login}, so that it reads them in the order they were produced; else on
   * its own.
   */
  private void answer(PeerId from, String login, Buffer line) {
    Recipient sender = peers.get(login);
    if (sender != null && sender.id.equals(from)) {
      outbox.answer(sender, line);
    } else {
      outbox.add(from.loop(), new Delivery.Lines(from.connection(), line));
    }
  }

  private void leave(Event.Disconnect gone) {
    Recipient recipient = peers.get(gone.login());
    if (recipient != null && recipient.id.equals(gone.peer())) {
      gone(gone.login(), recipient);
      recipient.flush();
      if (cluster != null) {
        cluster.offline(gone.login());
      }
    }
    outbox.add(gone.peer().loop(), new Delivery.Released(gone.peer().connection()));
  }

  /** The end of the broker's turn: the other nodes' lines, then the accept loops'. */
  private void endTurn() {
    presence.endTurn();
    if (cluster != null) {
      cluster.flush();
    }
    outbox.flush(peers.size());
  }

  /**
   * Every accept loop stopped reading and every line read has been routed: on a cluster the
   * users of this node leave it now, so that their logins are free before the node is gone.
   */
  private void drained() {
    if (cluster != null) {
      // What was routed to them this turn is still flushed below.
      new HashMap<>(peers).forEach((login, user) -> {
        gone(login, user);
        cluster.offline(login);
      });
    }
    endTurn();
  }

  /** The peers map as the cluster's side may ask about it: it is read and changed here only. */
  private final class Users implements LocalUsers {

    @Override
    public Recipient user(String login) {
      return peers.get(login);
    }

    @Override
    public Map<String, Recipient> snapshot() {
      return new HashMap<>(peers);
    }

    @Override
    public void answer(PeerId from, String login, Buffer line) {
      BrokerVerticle.this.answer(from, login, line);
    }

    @Override
    public void displace(String login, Recipient user, Buffer why) {
      gone(login, user);
      outbox.answer(user, why);
      user.flush();
      outbox.add(user.loop, new Delivery.Displaced(user.id.connection()));
    }

    @Override
    public void elsewhereChanged(String login) {
      presence.changed(login);
    }
  }
}
