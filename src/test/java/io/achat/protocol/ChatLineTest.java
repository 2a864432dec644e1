package io.achat.protocol;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ChatLineTest {

  @Test
  void splitsAtTheFirstColon() {
    assertThat(ChatLine.parse("bob: a: b")).isEqualTo(new ChatLine.Message(List.of("bob"), "a: b"));
  }

  @Test
  void trimsNamesAndTextDropsEmptyNamesAndRepeats() {
    assertThat(ChatLine.parse(" bob ,,carol, bob ,  :  hi there \t"))
      .isEqualTo(new ChatLine.Message(List.of("bob", "carol"), "hi there"));
  }

  @Test
  void manyNamesKeepTheirFirstOrderAndEachOnce() {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      names.add("u" + (i * 7 % 13));
    }
    ChatLine parsed = ChatLine.parse(String.join(",", names) + ": hi");
    assertThat(parsed).isInstanceOf(ChatLine.Message.class);
    assertThat(((ChatLine.Message) parsed).recipients())
      .containsExactlyElementsOf(names.stream().distinct().toList())
      .hasSize(13);
  }

  @Test
  void emptyTextIsStillAMessage() {
    assertThat(ChatLine.parse("bob:")).isEqualTo(new ChatLine.Message(List.of("bob"), ""));
  }

  @Test
  void noColonIsInvalidUnlessTheLineIsBlank() {
    assertThat(ChatLine.parse("hello")).isEqualTo(ChatLine.NO_COLON);
    assertThat(ChatLine.parse("")).isEqualTo(ChatLine.BLANK);
    assertThat(ChatLine.parse(" \t ")).isEqualTo(ChatLine.BLANK);
  }

  @Test
  void noNameBeforeTheColonIsInvalid() {
    assertThat(ChatLine.parse(": hi")).isEqualTo(ChatLine.NO_RECIPIENT);
    assertThat(ChatLine.parse(" , ,: hi")).isEqualTo(ChatLine.NO_RECIPIENT);
  }

  @Test
  void controlCharactersInTheTextAreInvalidButTabsAreFine() {
    assertThat(ChatLine.parse("bob: a\rb")).isEqualTo(ChatLine.CONTROL);
    assertThat(ChatLine.parse("bob: \u001b[2J")).isEqualTo(ChatLine.CONTROL);
    assertThat(ChatLine.parse("bob: a\u0085b")).isEqualTo(ChatLine.CONTROL);
    assertThat(ChatLine.parse("bob: a\tb")).isEqualTo(new ChatLine.Message(List.of("bob"), "a\tb"));
  }

  @Test
  void unicodeWhiteSpaceIsTrimmedToo() {
    assertThat(ChatLine.parse("\u2003bob\u2003: \u2003hi\u2003"))
      .isEqualTo(new ChatLine.Message(List.of("bob"), "hi"));
  }

  @Test
  void aLineWithoutAColonThatStartsWithASlashIsACommand() {
    assertThat(ChatLine.parse("/who")).isEqualTo(new ChatLine.Command(ChatLine.Verb.WHO, List.of()));
    assertThat(ChatLine.parse("  /who alice, bob ,alice ")).isEqualTo(
      new ChatLine.Command(ChatLine.Verb.WHO, List.of("alice", "bob")));
    assertThat(ChatLine.parse("/watch zoë,\tbob")).isEqualTo(new ChatLine.Command(ChatLine.Verb.WATCH, List.of("zoë", "bob")));
    assertThat(ChatLine.parse("/unwatch")).isEqualTo(new ChatLine.Command(ChatLine.Verb.UNWATCH, List.of()));
    assertThat(ChatLine.parse("/unwatch bob")).isEqualTo(new ChatLine.Command(ChatLine.Verb.UNWATCH, List.of("bob")));
  }

  @Test
  void anyOtherSlashWordIsAnUnknownCommandAndAColonMakesAMessage() {
    assertThat(ChatLine.parse("/join #rust")).isEqualTo(new ChatLine.Invalid("unknown command: /join"));
    assertThat(ChatLine.parse("/who,bob")).isEqualTo(new ChatLine.Invalid("unknown command: /who,bob"));
    assertThat(ChatLine.parse("/")).isEqualTo(new ChatLine.Invalid("unknown command: /"));
    assertThat(ChatLine.parse("/who: hi")).isEqualTo(new ChatLine.Message(List.of("/who"), "hi"));
    assertThat(ChatLine.parse("who")).isEqualTo(ChatLine.NO_COLON);
    assertThat(ChatLine.parse("/who bob\u001b[2J")).isEqualTo(
      new ChatLine.Invalid("control characters are not allowed in a command"));
  }
}
