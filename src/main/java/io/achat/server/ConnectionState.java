package io.achat.server;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * Where one connection is in its life: the only place that changes it, and the moves it allows.
 * Three facts, each moving one way:
 *
 * <pre>
 *   chat:    LOGIN ─┬─────────────→ JOINING → CHATTING → LEAVING ─→ GONE
 *                   └→ CHECKING ──┘                             └─→ CUT_OFF
 *            (GONE from every step before it: refused, or done; CUT_OFF from LOGIN,
 *             CHATTING and LEAVING: it held too much)
 *   socket:  OPEN → CLOSED
 *   server:  RUNNING → STOPPING   (shutdown: nothing more is read)
 * </pre>
 *
 * What the connection may do follows from them: it reads only at LOGIN or CHATTING while the
 * server runs; its bytes count against maxClientMemory until its chat ends or its socket
 * closes ({@code uncounted} runs once, at that moment); the loop forgets it once both have.
 * A move the diagram does not draw is a bug, and throws.
 */
final class ConnectionState {

  enum Chat {
    /** Waiting for the login line. */
    LOGIN,
    /** A registered name's password is being checked; nothing more is read until it has. */
    CHECKING,
    /** The broker is deciding on the login; nothing more is read until it has. */
    JOINING,
    CHATTING,
    /** Told the broker it is leaving; its socket closes once the broker has sent it everything. */
    LEAVING,
    /** Nothing more is read, sent to the broker or written. */
    GONE,
    /** Like GONE, for holding too much: its socket closes once what is queued has left, or stalls. */
    CUT_OFF;

    boolean over() {
      return this == GONE || this == CUT_OFF;
    }
  }

  private static final Map<Chat, Set<Chat>> MOVES = Map.of(
    Chat.LOGIN, EnumSet.of(Chat.CHECKING, Chat.JOINING, Chat.GONE, Chat.CUT_OFF),
    Chat.CHECKING, EnumSet.of(Chat.JOINING, Chat.GONE),
    Chat.JOINING, EnumSet.of(Chat.CHATTING, Chat.GONE),
    Chat.CHATTING, EnumSet.of(Chat.LEAVING, Chat.GONE, Chat.CUT_OFF),
    Chat.LEAVING, EnumSet.of(Chat.GONE, Chat.CUT_OFF),
    Chat.GONE, EnumSet.noneOf(Chat.class),
    Chat.CUT_OFF, EnumSet.noneOf(Chat.class));

  private final Runnable uncounted;
  private Chat chat = Chat.LOGIN;
  private boolean socketClosed;
  private boolean stopping;

  /** {@code uncounted} runs once, when the connection's bytes stop counting against maxClientMemory. */
  ConnectionState(Runnable uncounted) {
    this.uncounted = uncounted;
  }

  Chat chat() {
    return chat;
  }

  boolean is(Chat step) {
    return chat == step;
  }

  /** Moves the chat on to {@code next}; throws when the diagram has no such move. */
  void to(Chat next) {
    if (!MOVES.get(chat).contains(next)) {
      throw new IllegalStateException("a connection cannot go from " + chat + " to " + next);
    }
    boolean counted = counted();
    chat = next;
    if (counted && !counted()) {
      uncounted.run();
    }
  }

  /** Ends the chat ({@link Chat#GONE}) unless it has ended already. */
  void end() {
    if (!chat.over()) {
      to(Chat.GONE);
    }
  }

  /** The socket has closed; it closes once. */
  void socketClosed() {
    if (socketClosed) {
      throw new IllegalStateException("a connection's socket closes once");
    }
    boolean counted = counted();
    socketClosed = true;
    if (counted) {
      uncounted.run();
    }
  }

  boolean socketOpen() {
    return !socketClosed;
  }

  /** The server is shutting down: the connection reads nothing more. */
  void stopping() {
    if (stopping) {
      throw new IllegalStateException("a connection is told of the shutdown once");
    }
    stopping = true;
  }

  boolean serverStopping() {
    return stopping;
  }

  /** Whether the connection reads what the client sends (when the broker keeps up with it). */
  boolean reads() {
    return !stopping && (chat == Chat.LOGIN || chat == Chat.CHATTING);
  }

  /** Whether what it holds counts against maxClientMemory. */
  boolean counted() {
    return !chat.over() && !socketClosed;
  }

  /**
   * Whether the memory budget may cut it off now: not while its login is being decided (it holds
   * no more than one read then), nor once it is over.
   */
  boolean evictable() {
    return counted() && chat != Chat.JOINING && chat != Chat.CHECKING;
  }

  /** Whether its loop is done with it: its chat is over and its socket closed. */
  boolean forgotten() {
    return chat.over() && socketClosed;
  }
}
