package io.achat.server;

import io.achat.accounts.LoginGuard;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.AsyncMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Where each name logged in with its password, known to every node of a cluster: the node's
 * {@link LoginGuard} remembers its own logins, and on a clustered Vert.x a map all nodes share
 * ({@code a-chat.places}: a name to its last {@link LoginGuard#FAMILIAR_PER_NAME} places) tells
 * a node of the others'. A node that does not know a place asks the map before the guard counts
 * the attempt against the name; a map that does not answer within {@link #LOOKUP_MILLIS} leaves
 * the node's own knowledge to decide. The map holds nothing but what right passwords wrote, so
 * no flood of guesses grows it.
 */
final class FamiliarPlaces {

  static final long LOOKUP_MILLIS = 1000;
  private static final String MAP = "a-chat.places";
  private static final Logger log = LoggerFactory.getLogger(FamiliarPlaces.class);

  private final Vertx vertx;
  private final LoginGuard guard;
  private Future<AsyncMap<String, String>> map;

  FamiliarPlaces(Vertx vertx, LoginGuard guard) {
    this.vertx = vertx;
    this.guard = guard;
  }

  /** The guard's verdict on a password for {@code name} from {@code place}, once the cluster was asked about it. */
  Future<LoginGuard.Verdict> admit(String name, String place) {
    if (place == null || !vertx.isClustered() || guard.throttled(place) || guard.familiar(name, place)) {
      return Future.succeededFuture(guard.admit(name, place));
    }
    return map().compose(m -> m.get(name))
      .timeout(LOOKUP_MILLIS, TimeUnit.MILLISECONDS)
      .map(places -> {
        if (places != null && Arrays.asList(places.split(",")).contains(place)) {
          guard.atHome(name, place);
        }
        return guard.admit(name, place);
      })
      .otherwise(e -> {
        log.debug("the cluster's familiar places of '{}' were not read: {}", name, e.toString());
        return guard.admit(name, place);
      });
  }

  /** The password was right: {@code place} is one of the name's, on this node and (on a cluster) on every node. */
  void succeeded(String name, String place) {
    guard.succeeded(name, place);
    if (place == null || !vertx.isClustered()) {
      return;
    }
    map().compose(m -> m.get(name).compose(known -> {
      List<String> places = new ArrayList<>(known == null ? List.of() : Arrays.asList(known.split(",")));
      places.remove(place);
      places.add(place);
      List<String> kept = places.subList(Math.max(0, places.size() - LoginGuard.FAMILIAR_PER_NAME), places.size());
      return m.put(name, String.join(",", kept));
    })).onFailure(e -> log.debug("the cluster was not told of a familiar place of '{}': {}", name, e.toString()));
  }

  private Future<AsyncMap<String, String>> map() {
    if (map == null || map.failed()) {
      map = vertx.sharedData().getAsyncMap(MAP);
    }
    return map;
  }
}
