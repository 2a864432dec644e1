package io.achat;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The server is built on Vert.x's public API only: no Netty, no Vert.x internals or
 * implementation packages, no {@code sun.misc}. They carry no compatibility promise.
 */
class PublicApiOnlyTest {

  private static final Pattern FORBIDDEN =
    Pattern.compile("\\bio\\.netty\\.|\\bio\\.vertx\\.core\\.internal\\b|\\bio\\.vertx\\.[\\w.]*\\.impl\\b|\\bsun\\.misc\\b");

  @Test
  void mainCodeUsesNoNettyNoVertxInternalsAndNoSunMisc() throws IOException {
    Path main = Path.of("src/main/java");
    assertThat(main).isDirectory();
    List<String> offending = new ArrayList<>();
    try (Stream<Path> files = Files.walk(main)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
        List<String> lines = Files.readAllLines(file);
        for (int i = 0; i < lines.size(); i++) {
          if (FORBIDDEN.matcher(lines.get(i)).find()) {
            offending.add(main.relativize(file) + ":" + (i + 1) + ": " + lines.get(i).strip());
          }
        }
      }
    }
    assertThat(offending).isEmpty();
  }

  @Test
  void thePatternCatchesWhatItMustAndOnlyThat() {
    assertThat(Stream.of("import io.netty.channel.Channel;", "import io.vertx.core.internal.ContextInternal;",
      "import io.vertx.core.net.impl.NetServerImpl;", "((io.vertx.core.impl.VertxImpl) vertx)",
      "import sun.misc.Signal;")).allMatch(line -> FORBIDDEN.matcher(line).find());
    assertThat(Stream.of("import io.vertx.core.net.NetServer;", "import io.vertx.core.parsetools.RecordParser;",
      "String impl = implementation();", "// Netty pauses accepting")).noneMatch(line -> FORBIDDEN.matcher(line).find());
  }
}
