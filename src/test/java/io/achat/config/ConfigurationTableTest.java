package io.achat.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's table of keys says what the declarations in {@link Key} say: a row for each key, in
 * their order, with its variable, its default (and what {@code java -jar} and the image put over
 * it) and its documentation. When they disagree, the table the declarations make is in
 * {@code target/configuration-table.md}.
 */
class ConfigurationTableTest {

  private static final Pattern IMAGE_DEFAULTS =
    Pattern.compile("\"(-D" + Pattern.quote(ChatConfig.LAUNCHER_DEFAULTS_PROPERTY) + "=(?:[^\"\\\\]|\\\\.)*)\"");

  @Test
  @Timeout(30)
  void theReadmeTableIsTheDeclarations() throws IOException {
    JsonObject launcher = launcherDefaults();
    JsonObject image = imageDefaults();
    List<String> declared = new ArrayList<>();
    declared.add("| key | environment | default | meaning |");
    declared.add("|---|---|---|---|");
    for (Key<?> key : Key.values()) {
      declared.add(row(key, launcher.getValue(key.json()), image.getValue(key.json())));
    }
    Files.createDirectories(Path.of("target"));
    Files.write(Path.of("target/configuration-table.md"), declared);

    List<String> readme = Files.readAllLines(Path.of("README.md"));
    int section = readme.indexOf("## Configuration");
    assertThat(section).as("README.md has a section '## Configuration'").isNotNegative();
    List<String> table = readme.subList(section + 1, readme.size()).stream()
      .takeWhile(line -> !line.startsWith("## "))
      .dropWhile(line -> !line.startsWith("|"))
      .takeWhile(line -> line.startsWith("|"))
      .toList();
    assertThat(table).as("the table of README.md's '## Configuration' (the declared one: target/configuration-table.md)")
      .containsExactlyElementsOf(declared);
  }

  @Test
  @Timeout(30)
  void whatTheLauncherAndTheImageSetAreDeclaredKeysWithGoodValues() {
    JsonObject launcher = launcherDefaults();
    JsonObject image = imageDefaults();
    List<String> names = Key.values().stream().map(Key::json).toList();
    assertThat(launcher.fieldNames()).isNotEmpty().isSubsetOf(names);
    assertThat(image.fieldNames()).isNotEmpty().isSubsetOf(names);
    ChatConfig imageConfig = ChatConfig.fromJson(ChatConfig.defaults().mergeIn(launcher).mergeIn(image));
    assertThat(imageConfig.managementHost()).isEqualTo("0.0.0.0");
    // Inside docker stop's 10 s before its SIGKILL (see the Dockerfile).
    assertThat(imageConfig.drainTimeoutMillis()).isLessThan(10_000);
  }

  private static String row(Key<?> key, Object launcher, Object image) {
    String value = shown(key.defaultValue());
    if (launcher != null) {
      value = shown(launcher) + " (" + value + " deployed by class name)";
    }
    if (image != null) {
      value += " (" + shown(image) + " in the image)";
    }
    return "| `" + key.json() + "` | `" + key.env() + "` | " + value + " | " + key.doc() + " |";
  }

  private static String shown(Object value) {
    Object plain = value instanceof JsonArray array ? array.getList() : value;
    String text = plain instanceof List<?> items ? String.join(",", items.stream().map(String::valueOf).toList())
      : String.valueOf(plain);
    return text.isEmpty() ? "empty" : "`" + text + "`";
  }

  /** What {@code java -jar} puts over the defaults (conf/launcher.json). */
  private static JsonObject launcherDefaults() {
    assertThat(System.getProperty(ChatConfig.LAUNCHER_DEFAULTS_PROPERTY)).isNull();
    return ChatConfig.underLauncher(new JsonObject());
  }

  /** What the image's entrypoint puts over that (its -Dachat.launcherDefaults). */
  private static JsonObject imageDefaults() {
    try {
      Matcher property = IMAGE_DEFAULTS.matcher(Files.readString(Path.of("Dockerfile")));
      assertThat(property.find()).as("the Dockerfile's -D%s", ChatConfig.LAUNCHER_DEFAULTS_PROPERTY).isTrue();
      String argument = new JsonArray("[\"" + property.group(1) + "\"]").getString(0);
      return new JsonObject(argument.substring(argument.indexOf('=') + 1));
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
