package io.achat.broker;

import io.achat.config.ChatConfig;
import io.achat.protocol.Replies;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.shareddata.LocalMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The book's {@code broker_loop}: the one owner of the peers map. It takes the events of the
 * accept loops in the order each loop sent them, routes every message to its recipients, and at
 * the end of each turn of its event loop sends every accept loop one {@link Delivery} with the
 * lines for its connections and the answers to their events. One per Vert.x instance; it takes
 * its configuration from the deployment config.
 */
public final class BrokerVerticle extends VerticleBase {

  /** Where accept loops send their events; local to the node. */
  public static final String ADDRESS = "a-chat.broker";

  /** Delivery options of everything between the broker and the accept loops of one node. */
  public static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

  private static final Logger log = LoggerFactory.getLogger(BrokerVerticle.class);
  private static final String CLAIM = "broker";

  private ChatConfig config;
  private LocalMap<String, String> claims;
  private final Map<String, Recipient> peers = new HashMap<>();
  private final Map<String, LoopOutbox> loops = new HashMap<>();
  private final List<Recipient> unflushed = new ArrayList<>();
  private final List<LoopOutbox> touched = new ArrayList<>();
  private EndOfTurn endOfTurn;
  private final Set<String> draining = new HashSet<>();
  private final List<Message<Event>> drainRequests = new ArrayList<>();
  private final Promise<Void> drained = Promise.promise();

  @Override
  public Future<?> start() {
    claims = vertx.sharedData().getLocalMap("a-chat");
    String holder = claims.putIfAbsent(CLAIM, context.deploymentID());
    if (holder != null) {
      return Future.failedFuture(new IllegalStateException(
        "an a-chat broker is already deployed in this Vert.x instance (deployment " + holder
          + "); deploy one a-chat per Vert.x instance"));
    }
    EventCodec.registerAll(vertx);
    endOfTurn = new EndOfTurn(context, this::flush);
    return ChatConfig.load(vertx, config())
      .compose(loaded -> {
        config = loaded;
        return vertx.eventBus().<Event>localConsumer(ADDRESS, this::handle).completion();
      })
      .onFailure(e -> claims.remove(CLAIM, context.deploymentID()));
  }

  /**
   * Waits until every accept loop that started has drained (bounded by the drain timeout), so
   * that the order in which Vert.x undeploys verticles does not matter.
   */
  @Override
  public Future<?> stop() {
    if (allDrained()) {
      drained.tryComplete();
    }
    long timer = vertx.setTimer(config.drainTimeoutMillis() + 1000, t -> {
      if (drained.tryComplete()) {
        log.warn("stopping without {} accept loop(s) that did not drain", loops.size() - draining.size());
      }
    });
    return drained.future().onComplete(ar -> {
      vertx.cancelTimer(timer);
      claims.remove(CLAIM, context.deploymentID());
    });
  }

  private void handle(Message<Event> envelope) {
    Event event = envelope.body();
    if (event instanceof Event.LoopStarted started) {
      loop(started.loop());
      envelope.reply(null);
    } else if (event instanceof Event.Drain drain) {
      drain(drain, envelope);
    } else {
      handle(event);
    }
  }

  private void handle(Event event) {
    if (event instanceof Event.Message message) {
      route(message);
    } else if (event instanceof Event.Events batch) {
      batch.events().forEach(this::handle);
    } else if (event instanceof Event.NewPeer joining) {
      join(joining);
    } else if (event instanceof Event.Reply reply) {
      reply(reply);
    } else if (event instanceof Event.Disconnect gone) {
      leave(gone);
    }
  }

  private void join(Event.NewPeer joining) {
    LoopOutbox loop = loop(joining.peer().loop());
    boolean free = !peers.containsKey(joining.login());
    if (free) {
      peers.put(joining.login(), new Recipient(joining.peer(), loop));
    }
    loop.add(new Delivery.Joined(joining.peer().connection(), free));
    touch(loop);
  }

  private void route(Event.Message message) {
    List<String> missing = null;
    for (String name : message.recipients()) {
      Recipient recipient = peers.get(name);
      if (recipient != null) {
        deliver(recipient, message.line());
      } else {
        if (missing == null) {
          missing = new ArrayList<>(2);
        }
        missing.add(name);
      }
    }
    answer(message.from(), message.login(), missing == null ? null : Buffer.buffer(Replies.notConnected(missing)),
      message.line().length());
  }

  private void reply(Event.Reply reply) {
    answer(reply.to(), reply.login(), reply.line(), reply.line().length());
  }

  /** Gives the sender its answer (if any) behind the lines already routed to it, and its flow-control credit. */
  private void answer(PeerId from, String login, Buffer line, int routedBytes) {
    Recipient sender = peers.get(login);
    if (sender == null || !sender.id.equals(from)) {
      sender = null;
    }
    LoopOutbox loop = sender != null ? sender.loop : loop(from.loop());
    if (line != null) {
      if (sender != null) {
        deliver(sender, line);
      } else {
        loop.add(new Delivery.Lines(from.connection(), line));
      }
    }
    loop.routed(from.connection(), routedBytes);
    touch(loop);
  }

  private void leave(Event.Disconnect gone) {
    Recipient recipient = peers.get(gone.login());
    if (recipient != null && recipient.id.equals(gone.peer())) {
      peers.remove(gone.login());
      recipient.flush();
    }
    LoopOutbox loop = loop(gone.peer().loop());
    loop.add(new Delivery.Released(gone.peer().connection()));
    touch(loop);
  }

  private void deliver(Recipient recipient, Buffer line) {
    if (recipient.add(line)) {
      unflushed.add(recipient);
      touch(recipient.loop);
    }
  }

  private void touch(LoopOutbox loop) {
    if (!loop.touched) {
      loop.touched = true;
      touched.add(loop);
    }
    endOfTurn.request();
  }

  /** Ends the broker's turn: every accept loop it has something for gets it in one delivery. */
  private void flush() {
    for (Recipient recipient : unflushed) {
      recipient.flush();
    }
    unflushed.clear();
    for (LoopOutbox loop : touched) {
      loop.touched = false;
      if (!loop.isEmpty()) {
        vertx.eventBus().send(loop.address, loop.take(), LOCAL);
      }
    }
    touched.clear();
  }

  private boolean allDrained() {
    return draining.containsAll(loops.keySet());
  }

  private LoopOutbox loop(String address) {
    return loops.computeIfAbsent(address, LoopOutbox::new);
  }

  private void drain(Event.Drain drain, Message<Event> request) {
    loop(drain.loop());
    draining.add(drain.loop());
    drainRequests.add(request);
    if (allDrained()) {
      flush();
      log.debug("every accept loop stopped reading; {} users to drain", peers.size());
      drainRequests.forEach(r -> r.reply(null));
      drainRequests.clear();
      drained.tryComplete();
    }
  }
}
