package io.spoolerd.cli;

import java.math.BigDecimal;
import java.time.Duration;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Duration options: seconds, fractions allowed ({@code 0.5}); a unit suffix (ms, s, m, h, d) is accepted too. */
final class Durations implements ITypeConverter<Duration> {

    @Override
    public Duration convert(String value) {
        Duration d = parse(value);
        if (d == null) {
            throw new TypeConversionException("'" + value + "' is not a duration in seconds (e.g. 30, 0.5, 5m, 2h)");
        }
        return d;
    }

    /** Parses {@code 30}, {@code 0.5}, {@code 250ms}, {@code 5m}, {@code 2h}, {@code 7d}; null when it is none of those. */
    static Duration parse(String value) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h|d)?").matcher(value.trim());
        if (!m.matches()) {
            return null;
        }
        BigDecimal amount = new BigDecimal(m.group(1));
        long unitMillis = switch (m.group(2) == null ? "s" : m.group(2)) {
            case "ms" -> 1;
            case "m" -> 60_000;
            case "h" -> 3_600_000;
            case "d" -> 86_400_000;
            default -> 1000;
        };
        try {
            return Duration.ofMillis(amount.multiply(BigDecimal.valueOf(unitMillis)).setScale(0, java.math.RoundingMode.HALF_UP).longValueExact());
        } catch (ArithmeticException e) {
            return null;
        }
    }
}
