package io.achat.broker;

import io.achat.ops.ChatMetrics;
import io.achat.protocol.Logins;
import io.achat.protocol.Replies;
import io.vertx.core.buffer.Buffer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * Who is online, as this broker sees the cluster (its own users and its directory of the other
 * nodes'), and the watch lists of its users: {@code /who} is answered from here without asking
 * any other node, and a watcher is told {@code online: a} or {@code offline: a} when a name it
 * watches comes or goes, anywhere. Every broker hears every login and logout already, so
 * presence adds no message between nodes, and nothing to the routing of a line.
 *
 * <p>A watcher is only ever told the state a name has at that moment, and only when it differs
 * from what it was told last. The first change of a name in a turn of the broker goes out at
 * once, in order with the lines routed before and after it; further changes of it in the same
 * turn wait for the turn's end, where the last state wins (or for a line it sends, which they
 * then precede): a name logging in and out in a loop costs its watchers at most two lines a
 * turn. Runs on the broker's context.
 */
final class Presence {

  /** At most this many names in the answer to a bare {@code /who}. */
  static final int WHO_NAMES = 100;
  /** What one watched name costs here besides its characters: its place in two maps and a set. */
  static final int BYTES_PER_NAME = 160;

  /** By code point, as the protocol promises (a String's own order is by UTF-16 unit). */
  private static final Comparator<String> CODE_POINTS = (a, b) -> {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      int x = a.codePointAt(i);
      int y = b.codePointAt(j);
      if (x != y) {
        return Integer.compare(x, y);
      }
      i += Character.charCount(x);
      j += Character.charCount(y);
    }
    return Integer.compare(a.length() - i, b.length() - j);
  };

  private final Predicate<String> online;
  private final TurnOutbox outbox;
  private final ChatMetrics metrics;
  private final int maxWatched;
  private final int maxLoginLength;
  /** Every login online, as far as this broker knows, sorted for {@code /who}. */
  private final TreeSet<String> everyone = new TreeSet<>(CODE_POINTS);
  /** Watched name → each watcher of it here → whether it was last told the name is online. */
  private final Map<String, Map<Recipient, Boolean>> watchers = new HashMap<>();
  /** Each watcher → the names it watches. */
  private final Map<Recipient, Set<String>> lists = new HashMap<>();
  /** Watched names that changed this turn; those whose watchers are still to be told at its end. */
  private final Set<String> changedThisTurn = new HashSet<>();
  private final Set<String> toTell = new HashSet<>();
  /** Names on the watch lists, and lines told to watchers this turn, for the metrics. */
  private int watchedNames;
  private long told;
  /** The watch lists changed this turn: the metrics are set at its end. */
  private boolean metricsDue;

  /**
   * {@code online} tells whether a login is online now; lines go through {@code outbox}, and the
   * broker calls {@link #endTurn} at the end of each of its turns.
   */
  Presence(Predicate<String> online, TurnOutbox outbox, ChatMetrics metrics, int maxWatched, int maxLoginLength) {
    this.online = online;
    this.outbox = outbox;
    this.metrics = metrics;
    this.maxWatched = maxWatched;
    this.maxLoginLength = maxLoginLength;
  }

  /** {@code login} may have come or gone, here or on another node. */
  void changed(String login) {
    boolean now = online.test(login);
    if (now) {
      everyone.add(login);
    } else {
      everyone.remove(login);
    }
    if (!watchers.containsKey(login)) {
      return;
    }
    if (changedThisTurn.add(login)) {
      tell(login, now);
    } else {
      toTell.add(login);
    }
    outbox.request();
  }

  /** The end of the broker's turn: the last state of each name that changed again, then a new turn. */
  void endTurn() {
    if (changedThisTurn.isEmpty() && !metricsDue) {
      return; // most turns: nothing watched came or went
    }
    for (String login : toTell) {
      if (watchers.containsKey(login)) {
        tell(login, online.test(login));
      }
    }
    toTell.clear();
    changedThisTurn.clear();
    metrics.presence(watchedNames, told);
    told = 0;
    metricsDue = false;
  }

  /**
   * {@code login} is about to send a line: a change of it that waits for the end of the turn is
   * told first, so that no watcher reads a line from a user it was last told is offline.
   */
  void sending(String login) {
    if (!toTell.isEmpty() && toTell.remove(login)) {
      tell(login, online.test(login));
    }
  }

  /** {@code watcher} is no longer a user here: its watch list goes. */
  void left(Recipient watcher) {
    Set<String> names = lists.remove(watcher);
    if (names != null) {
      names.forEach(name -> unwatch(watcher, name));
      watchedNames -= names.size();
      metricsDue = true;
      outbox.request(); // the metrics, at the end of the turn
    }
  }

  /** Answers {@code ask} of {@code asker}, behind the lines routed to it so far. */
  void ask(Recipient asker, Event.Ask ask) {
    switch (ask.verb()) {
      case WHO -> outbox.answer(asker, Buffer.buffer(who(ask.names())));
      case WATCH -> watch(asker, ask.names());
      case UNWATCH -> {
        Set<String> names = lists.get(asker);
        if (names != null) {
          List<String> gone = ask.names().isEmpty() ? new ArrayList<>(names) : ask.names();
          for (String name : gone) {
            if (names.remove(name)) {
              unwatch(asker, name);
              watchedNames--;
              metricsDue = true;
            }
          }
          if (names.isEmpty()) {
            lists.remove(asker);
          }
          holding(asker, names);
        }
      }
    }
  }

  private byte[] who(List<String> names) {
    if (!names.isEmpty()) {
      TreeSet<String> present = new TreeSet<>(CODE_POINTS);
      for (String name : names) {
        if (online.test(name)) {
          present.add(name);
        }
      }
      return Replies.online(present, 0);
    }
    List<String> first = new ArrayList<>(Math.min(WHO_NAMES, everyone.size()));
    Iterator<String> all = everyone.iterator();
    while (first.size() < WHO_NAMES && all.hasNext()) {
      first.add(all.next());
    }
    return Replies.online(first, everyone.size() - first.size());
  }

  private void watch(Recipient watcher, List<String> names) {
    Set<String> list = lists.get(watcher);
    boolean full = false;
    for (String name : names) {
      String why = Logins.check(name, maxLoginLength).orElse(null);
      if (why != null) {
        outbox.answer(watcher, Buffer.buffer(Replies.error("cannot watch '" + name + "': " + why)));
        continue;
      }
      if (list == null || !list.contains(name)) {
        if (list != null && list.size() >= maxWatched || list == null && maxWatched == 0) {
          full = true;
          break;
        }
        if (list == null) {
          list = new HashSet<>();
          lists.put(watcher, list);
        }
        list.add(name);
        watchedNames++;
        metricsDue = true;
      }
      boolean now = online.test(name);
      watchers.computeIfAbsent(name, n -> new HashMap<>(4)).put(watcher, now);
      outbox.answer(watcher, Buffer.buffer(now ? Replies.online(List.of(name), 0) : Replies.offline(name)));
    }
    if (full) {
      outbox.answer(watcher, Buffer.buffer(Replies.watchListFull(maxWatched)));
    }
    holding(watcher, list);
  }

  /** Tells {@code watcher}'s connection what its watch list {@code names} holds here, for maxClientMemory. */
  private void holding(Recipient watcher, Set<String> names) {
    int bytes = 0;
    if (names != null) {
      for (String name : names) {
        bytes += BYTES_PER_NAME + 2 * name.length();
      }
    }
    outbox.add(watcher.loop, new Delivery.Watching(watcher.id.connection(), bytes));
  }

  private void unwatch(Recipient watcher, String name) {
    Map<Recipient, Boolean> of = watchers.get(name);
    if (of != null && of.remove(watcher) != null && of.isEmpty()) {
      watchers.remove(name);
    }
  }

  /** Tells each watcher of {@code login} whose last word differs that it is {@code now} online or not. */
  private void tell(String login, boolean now) {
    Map<Recipient, Boolean> of = watchers.get(login);
    if (of == null) {
      return;
    }
    Buffer line = null;
    for (Map.Entry<Recipient, Boolean> watcher : of.entrySet()) {
      if (watcher.getValue() != now) {
        if (line == null) {
          line = Buffer.buffer(now ? Replies.online(List.of(login), 0) : Replies.offline(login));
        }
        watcher.setValue(now);
        outbox.answer(watcher.getKey(), line);
        told++;
      }
    }
  }
}
