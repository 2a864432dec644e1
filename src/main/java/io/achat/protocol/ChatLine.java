package io.achat.protocol;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What one line from a logged-in client means: {@code name1, name2, ... nameN: text}, or a
 * command: a line without {@code :} that starts with {@code /}. Pure parsing, no I/O.
 */
public sealed interface ChatLine permits ChatLine.Message, ChatLine.Blank, ChatLine.Invalid, ChatLine.Command {

  /** A message for each of {@code recipients} (distinct, in the order first named). */
  record Message(List<String> recipients, String text) implements ChatLine {
  }

  /** A line of nothing but white space: ignored, as a chat client's stray Enter should be. */
  record Blank() implements ChatLine {
  }

  /** A line the server cannot route; {@code reason} goes back to the sender after {@code error: }. */
  record Invalid(String reason) implements ChatLine {
  }

  /** What a command asks. */
  enum Verb {
    /** {@code /who [names]}: who of them (of everyone, without names) is online. */
    WHO,
    /** {@code /watch names}: tell me when they come and go. */
    WATCH,
    /** {@code /unwatch [names]}: stop telling me (about anyone, without names). */
    UNWATCH
  }

  /** {@code /who}, {@code /watch} or {@code /unwatch}, with the names after it (distinct, in the order first named). */
  record Command(Verb verb, List<String> names) implements ChatLine {
  }

  Blank BLANK = new Blank();
  Invalid NO_COLON = new Invalid("expected 'name1, name2: text' (no ':' in the line)");
  Invalid NO_RECIPIENT = new Invalid("no recipient before ':'");
  Invalid CONTROL = new Invalid("control characters are not allowed in a message");

  /**
   * Splits at the first {@code :}; names are split on {@code ,} and trimmed, empty ones dropped,
   * repeated ones kept once; the text is trimmed. Control characters other than tab are refused
   * so that no line can rewrite what another user's terminal shows.
   */
  static ChatLine parse(String line) {
    int colon = line.indexOf(':');
    if (colon < 0) {
      if (line.isBlank()) {
        return BLANK;
      }
      String command = line.strip();
      return command.startsWith("/") ? command(command) : NO_COLON;
    }
    String text = line.substring(colon + 1).strip();
    if (hasControl(text)) {
      return CONTROL;
    }
    List<String> recipients = names(line, 0, colon);
    return recipients.isEmpty() ? NO_RECIPIENT : new Message(recipients, text);
  }

  /** {@code line}, stripped, starts with {@code /} and has no {@code :}. */
  private static ChatLine command(String line) {
    if (hasControl(line)) {
      return new Invalid("control characters are not allowed in a command");
    }
    int end = 1;
    while (end < line.length() && !Character.isWhitespace(line.charAt(end))) {
      end++;
    }
    String word = line.substring(0, end);
    Verb verb = switch (word) {
      case "/who" -> Verb.WHO;
      case "/watch" -> Verb.WATCH;
      case "/unwatch" -> Verb.UNWATCH;
      default -> null;
    };
    return verb == null ? new Invalid("unknown command: " + word) : new Command(verb, names(line, end, line.length()));
  }

  /** The names between {@code from} and {@code to}, split on {@code ,} and trimmed; empty ones dropped, repeats kept once. */
  private static List<String> names(String line, int from, int to) {
    List<String> names = new ArrayList<>(4);
    Set<String> many = null;
    for (int start = from; start < to; ) {
      int comma = line.indexOf(',', start);
      int end = comma < 0 || comma > to ? to : comma;
      int first = start;
      int last = end;
      while (first < last && Character.isWhitespace(line.charAt(first))) {
        first++;
      }
      while (last > first && Character.isWhitespace(line.charAt(last - 1))) {
        last--;
      }
      if (first < last) {
        String name = line.substring(first, last);
        // Past a few names, repeats are looked up in a set: a line may name thousands.
        if (many == null && names.size() == 8) {
          many = new HashSet<>(names);
        }
        if (many == null ? !names.contains(name) : many.add(name)) {
          names.add(name);
        }
      }
      start = end + 1;
    }
    return Collections.unmodifiableList(names);
  }

  private static boolean hasControl(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c != '\t' && Character.isISOControl(c)) {
        return true;
      }
    }
    return false;
  }
}
