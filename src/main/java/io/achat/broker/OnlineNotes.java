package io.achat.broker;

import io.achat.config.BusAddresses;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.eventbus.DeliveryOptions;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A new user of this node, told to every other broker before the user is told they are in, so
 * that from then on a line from any node reaches them. Each broker is waited for until it
 * answers, until {@link #NOTE} runs out (it is dying or hung), or until it is gone: a node that
 * leaves or is dropped meanwhile holds no login back. Runs on the broker's context.
 */
final class OnlineNotes {

  /** How long a login waits for another node to note it. */
  private static final DeliveryOptions NOTE = new DeliveryOptions().setSendTimeout(2000);

  private final ClusterBus bus;
  /** The notes under way, by the node they wait for. */
  private final Map<String, Set<Promise<Void>>> waiting = new HashMap<>();

  OnlineNotes(ClusterBus bus) {
    this.bus = bus;
  }

  /** Tells each of {@code members} of {@code online}; completes once each has noted it, run out of time or gone. */
  Future<Void> send(Event.Online online, Collection<String> members) {
    List<Future<Void>> noted = new ArrayList<>(members.size());
    for (String member : members) {
      Promise<Void> note = Promise.promise();
      Set<Promise<Void>> forMember = waiting.computeIfAbsent(member, m -> new HashSet<>());
      forMember.add(note);
      bus.request(BusAddresses.node(member), online, NOTE).onComplete(ar -> {
        forMember.remove(note);
        if (forMember.isEmpty()) {
          waiting.remove(member, forMember);
        }
        note.tryComplete();
      });
      noted.add(note.future());
    }
    return Future.join(noted).mapEmpty();
  }

  /** {@code node} is gone: no note waits for it any longer. */
  void gone(String node) {
    Set<Promise<Void>> forNode = waiting.remove(node);
    if (forNode != null) {
      forNode.forEach(Promise::tryComplete);
    }
  }
}
