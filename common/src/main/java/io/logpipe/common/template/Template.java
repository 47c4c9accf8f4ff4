package io.logpipe.common.template;

import io.logpipe.common.time.TimestampFormat;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * A format string with {@code %{...}} placeholders, the one implementation behind the indexer's Logstash sprintf
 * and the shipper's Beats format strings. Parsed once, rendered per event:
 * <ul>
 * <li>{@code %{+pattern}}: the event's timestamp in UTC with a Joda-Time pattern ({@code YYYY} is the calendar
 * year); {@code %{+%s}}: its epoch seconds;</li>
 * <li>any other {@code %{reference}}: a field, which the caller's {@code compile} function turns into its own
 * reference type {@code R} once, and {@link Values#text} reads per event.</li>
 * </ul>
 * The two dialects differ where Logstash and Beats differ: {@link Dialect#LOGSTASH} leaves an unclosed {@code %{}
 * and a missing field as written; {@link Dialect#BEATS} refuses an unclosed {@code %{}, takes a default after the
 * reference ({@code %{[fields.topic]:logs}}), and renders nothing (null) when a field without a default is missing.
 *
 * @param <R> how the caller reads a field
 */
public final class Template<R> {
    public enum Dialect { LOGSTASH, BEATS }

    /** One piece of the template. */
    public sealed interface Part<R> permits Literal, Field, Timestamp, EpochSeconds {
    }

    public record Literal<R>(String text) implements Part<R> {
    }

    /** {@code %{reference}}, in Beats also {@code %{reference:fallback}}; {@code original} is it as written. */
    public record Field<R>(R reference, String fallback, String original) implements Part<R> {
    }

    public record Timestamp<R>(TimestampFormat format) implements Part<R> {
    }

    public record EpochSeconds<R>() implements Part<R> {
    }

    private final String text;
    private final Dialect dialect;
    private final List<Part<R>> parts;

    private Template(String text, Dialect dialect, List<Part<R>> parts) {
        this.text = text;
        this.dialect = dialect;
        this.parts = List.copyOf(parts);
    }

    /**
     * Parses {@code text}. {@code compile} turns a field reference as written ({@code [a][b]}, {@code host}) into
     * {@code R}; it returns null for a reference that is not one (a Logstash template then keeps it as written) or
     * throws IllegalArgumentException saying what is wrong. In Beats, an unclosed {@code %{} throws too.
     */
    public static <R> Template<R> parse(String text, Dialect dialect, Function<String, R> compile) {
        List<Part<R>> parts = new ArrayList<>();
        int i = 0;
        while (i < text.length()) {
            int open = text.indexOf("%{", i);
            int close = open < 0 ? -1 : text.indexOf('}', open + 2);
            if (open >= 0 && close < 0 && dialect == Dialect.BEATS) {
                throw new IllegalArgumentException("'%{' at position " + open + " is never closed by '}'");
            }
            if (open < 0 || close < 0) {
                parts.add(new Literal<>(text.substring(i)));
                break;
            }
            if (open > i) {
                parts.add(new Literal<>(text.substring(i, open)));
            }
            parts.add(placeholder(text.substring(open + 2, close), text.substring(open, close + 1), dialect, compile));
            i = close + 1;
        }
        return new Template<>(text, dialect, parts);
    }

    private static <R> Part<R> placeholder(String inner, String original, Dialect dialect,
                                           Function<String, R> compile) {
        if (inner.equals("+%s")) {
            return new EpochSeconds<>();
        }
        if (inner.startsWith("+")) {
            return new Timestamp<>(TimestampFormat.of(inner.substring(1)));
        }
        String reference = inner;
        String fallback = null;
        int colon = inner.indexOf(':', Math.max(0, inner.lastIndexOf(']')));
        if (dialect == Dialect.BEATS && colon >= 0) {
            reference = inner.substring(0, colon);
            fallback = inner.substring(colon + 1);
        }
        R compiled = compile.apply(reference);
        return compiled == null ? new Literal<>(original) : new Field<>(compiled, fallback, original);
    }

    public List<Part<R>> parts() {
        return parts;
    }

    public boolean isConstant() {
        return parts.stream().allMatch(p -> p instanceof Literal);
    }

    /** What a template is rendered from: one event, read only for the placeholders the template has. */
    public interface Values<R> {
        Instant timestamp();

        /** The field's text, or null when the event has no such field (in Beats also: no value fit for a name). */
        String text(R reference);
    }

    /** The text for one event; null when, in Beats, a field without a default is missing. */
    public String render(Values<R> values) {
        if (parts.size() == 1 && parts.get(0) instanceof Literal<R> literal) {
            return literal.text();
        }
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (Part<R> part : parts) {
            if (part instanceof Literal<R> literal) {
                out.append(literal.text());
            } else if (part instanceof Timestamp<R> date) {
                out.append(date.format().format(values.timestamp()));
            } else if (part instanceof EpochSeconds<R>) {
                out.append(values.timestamp().getEpochSecond());
            } else {
                Field<R> field = (Field<R>) part;
                String value = values.text(field.reference());
                if (value == null) {
                    if (dialect == Dialect.LOGSTASH) {
                        value = field.original();
                    } else if (field.fallback() != null) {
                        value = field.fallback();
                    } else {
                        return null;
                    }
                }
                out.append(value);
            }
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return text;
    }
}
