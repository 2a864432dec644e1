package io.achat.server;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * The one-page web client, {@code web/} on the class path ({@code src/main/resources/web}): read
 * once at start, served from memory at {@code /}, {@code /chat.js} and {@code /chat.css}. The
 * page is told the server's {@code maxLineLength}, so that it can say so before sending.
 */
final class WebPages {

  /**
   * The page runs its own script and style only, talks to its own server only and may not be
   * framed: an injected line could not run even if the page failed to escape it.
   */
  static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
    + "connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  private record Page(Buffer body, String type) {
  }

  private final Map<String, Page> pages;

  private WebPages(Map<String, Page> pages) {
    this.pages = pages;
  }

  /** Where index.html holds the line bound, with the value it has in the file. */
  private static final String MAX_LINE_LENGTH = "data-max-line-length=\"8192\"";

  static Future<WebPages> load(Vertx vertx, int maxLineLength) {
    return vertx.executeBlocking(() -> {
      Map<String, Page> pages = new HashMap<>();
      String html = resource("index.html").toString(StandardCharsets.UTF_8);
      if (!html.contains(MAX_LINE_LENGTH)) {
        throw new IllegalStateException("web/index.html has no " + MAX_LINE_LENGTH);
      }
      html = html.replace(MAX_LINE_LENGTH, "data-max-line-length=\"" + maxLineLength + "\"");
      Page index = new Page(Buffer.buffer(html, "UTF-8"), "text/html; charset=utf-8");
      pages.put("/", index);
      pages.put("/index.html", index);
      pages.put("/chat.js", new Page(resource("chat.js"), "text/javascript; charset=utf-8"));
      pages.put("/chat.css", new Page(resource("chat.css"), "text/css; charset=utf-8"));
      return new WebPages(pages);
    });
  }

  private static Buffer resource(String name) {
    try (InputStream in = WebPages.class.getClassLoader().getResourceAsStream("web/" + name)) {
      if (in == null) {
        throw new IllegalStateException("web/" + name + " is missing from the class path");
      }
      return Buffer.buffer(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  void handle(HttpServerRequest request) {
    HttpServerResponse response = request.response()
      .putHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY)
      .putHeader("X-Content-Type-Options", "nosniff")
      .putHeader("Referrer-Policy", "no-referrer")
      .putHeader("X-Frame-Options", "DENY")
      .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache");
    Page page = pages.get(request.path());
    if (page == null && request.path().equals("/favicon.ico")) {
      response.setStatusCode(204).end(); // there is none; a 404 would be an error in the browser's console
    } else if (page == null) {
      response.setStatusCode(404).putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8").end("not found\n");
    } else if (request.method() != HttpMethod.GET && request.method() != HttpMethod.HEAD) {
      response.setStatusCode(405).putHeader(HttpHeaders.ALLOW, "GET, HEAD").end();
    } else {
      response.putHeader(HttpHeaders.CONTENT_TYPE, page.type()).end(page.body());
    }
  }
}
