package io.berth.engine.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The status line and headers of one HTTP/1.1 response from the engine.
 *
 * @param headers case-insensitive names, every value of a repeated header in order
 */
public record HttpHead(int status, String reason, Map<String, List<String>> headers) {

    /** The first value of a header, or null. */
    public String header(String name) {
        List<String> values = headers.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    boolean chunked() {
        String encoding = header("Transfer-Encoding");
        return encoding != null && encoding.toLowerCase(java.util.Locale.ROOT).contains("chunked");
    }

    /** Parses the lines of a head (status line first), without their CRLFs. */
    static HttpHead parse(List<String> lines) throws HttpException {
        String status = lines.isEmpty() ? "" : lines.get(0);
        String[] parts = status.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
            throw new HttpException("not an HTTP response: " + abbreviate(status));
        }
        int code;
        try {
            code = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            throw new HttpException("not an HTTP status: " + abbreviate(status));
        }
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (String line : lines.subList(1, lines.size())) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                headers.computeIfAbsent(line.substring(0, colon).strip(), k -> new ArrayList<>())
                        .add(line.substring(colon + 1).strip());
            }
        }
        return new HttpHead(code, parts.length > 2 ? parts[2] : "", headers);
    }

    private static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "…" : s;
    }
}
