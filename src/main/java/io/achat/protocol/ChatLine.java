package io.achat.protocol;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What one line from a logged-in client means: {@code name1, name2, ... nameN: text}.
 * Pure parsing, no I/O.
 */
public sealed interface ChatLine permits ChatLine.Message, ChatLine.Blank, ChatLine.Invalid {

  /** A message for each of {@code recipients} (distinct, in the order first named). */
  record Message(List<String> recipients, String text) implements ChatLine {
  }

  /** A line of nothing but white space: ignored, as a chat client's stray Enter should be. */
  record Blank() implements ChatLine {
  }

  /** A line the server cannot route; {@code reason} goes back to the sender after {@code error: }. */
  record Invalid(String reason) implements ChatLine {
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
      return line.isBlank() ? BLANK : NO_COLON;
    }
    String text = line.substring(colon + 1).strip();
    if (hasControl(text)) {
      return CONTROL;
    }
    List<String> recipients = recipients(line, colon);
    return recipients.isEmpty() ? NO_RECIPIENT : new Message(recipients, text);
  }

  private static List<String> recipients(String line, int colon) {
    List<String> names = new ArrayList<>(4);
    Set<String> many = null;
    for (int start = 0; start < colon; ) {
      int comma = line.indexOf(',', start);
      int end = comma < 0 || comma > colon ? colon : comma;
      int from = start;
      int to = end;
      while (from < to && Character.isWhitespace(line.charAt(from))) {
        from++;
      }
      while (to > from && Character.isWhitespace(line.charAt(to - 1))) {
        to--;
      }
      if (from < to) {
        String name = line.substring(from, to);
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
