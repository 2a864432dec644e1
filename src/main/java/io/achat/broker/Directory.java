package io.achat.broker;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * This broker's copy of where the users of the other nodes are (login → node), kept current by
 * the {@link Event.Online} and {@link Event.Offline} events every broker publishes, so that a
 * message is routed with local lookups only. Each login that comes or goes is told to a listener
 * (the broker's {@link Presence}). Used on the broker's context only.
 */
final class Directory {

  private final Map<String, String> nodeOf = new HashMap<>();
  private final Map<String, Set<String>> loginsOf = new HashMap<>();
  private final Consumer<String> changed;

  /** {@code changed} hears each login that came or went. */
  Directory(Consumer<String> changed) {
    this.changed = changed;
  }

  /** The node {@code login} is on, or {@code null} if it is on none but this one's. */
  String nodeOf(String login) {
    return nodeOf.get(login);
  }

  void online(String login, String node) {
    String before = nodeOf.put(login, node);
    if (before != null && !before.equals(node)) {
      remove(login, before);
    }
    loginsOf.computeIfAbsent(node, n -> new HashSet<>()).add(login);
    if (before == null) {
      changed.accept(login);
    }
  }

  void offline(String login, String node) {
    if (nodeOf.remove(login, node)) {
      remove(login, node);
      changed.accept(login);
    }
  }

  /** Forgets every user of {@code node}; returns their logins. */
  Set<String> forget(String node) {
    Set<String> logins = loginsOf.remove(node);
    if (logins == null) {
      return Set.of();
    }
    logins.forEach(login -> {
      if (nodeOf.remove(login, node)) {
        changed.accept(login);
      }
    });
    return logins;
  }

  /** The nodes with users. */
  Set<String> nodes() {
    return loginsOf.keySet();
  }

  private void remove(String login, String node) {
    Set<String> logins = loginsOf.get(node);
    if (logins != null && logins.remove(login) && logins.isEmpty()) {
      loginsOf.remove(node);
    }
  }
}
