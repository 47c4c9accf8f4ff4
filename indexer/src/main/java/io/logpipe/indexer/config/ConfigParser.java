package io.logpipe.indexer.config;

import io.logpipe.common.config.ConfigException;
import io.logpipe.common.config.Location;
import io.logpipe.common.config.Variables;
import io.logpipe.indexer.event.FieldReference;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Parses Logstash's pipeline configuration language into a {@link PipelineConfig}. Scannerless recursive descent:
 * {@code [a]} is a field reference in a condition but an array in a setting, so tokens depend on where they stand.
 * Every error names {@code file:line:column} and what was expected there.
 */
public final class ConfigParser {
    /** Where {@code ${VAR}} is looked up without a keystore: the environment, then Java system properties. */
    public static final Variables.Lookup ENVIRONMENT = Variables.Lookup.environment()
            .then(Variables.Lookup.of("the Java system properties", System::getProperty));

    private final String source;
    private final String text;
    private final Variables.Lookup variables;
    private int pos;
    private int line = 1;
    private int column = 1;

    private ConfigParser(String source, String text, Variables.Lookup variables) {
        this.source = source;
        this.text = text;
        this.variables = variables;
    }

    /** Parses one file's (or one {@code -e} string's) text; {@code source} names it in errors. */
    public static PipelineConfig parse(String source, String text) {
        return parse(source, text, ENVIRONMENT);
    }

    /** As {@link #parse(String, String)}, {@code ${VAR}} looked up in {@code variables} (a keystore first). */
    public static PipelineConfig parse(String source, String text, Variables.Lookup variables) {
        return new ConfigParser(source, text, variables).config();
    }

    private PipelineConfig config() {
        PipelineConfig config = PipelineConfig.empty();
        skipSpace();
        while (!atEnd()) {
            Location at = location();
            String section = word();
            List<Statement> target = switch (section) {
                case "input" -> config.inputs();
                case "filter" -> config.filters();
                case "output" -> config.outputs();
                default -> throw new ConfigException(at, "expected one of 'input', 'filter', 'output' but found "
                        + (section.isEmpty() ? describeHere() : "'" + section + "'"));
            };
            skipSpace();
            expect('{');
            target.addAll(statements(section));
            expect('}');
            skipSpace();
        }
        return config;
    }

    /** Statements up to (not including) the closing brace. */
    private List<Statement> statements(String section) {
        List<Statement> statements = new ArrayList<>();
        skipSpace();
        while (!atEnd() && peek() != '}') {
            if (lookingAtKeyword("if")) {
                statements.add(conditional(section));
            } else if (lookingAtKeyword("else")) {
                throw new ConfigException(location(), "'else' without a preceding 'if'");
            } else {
                statements.add(plugin(section));
            }
            skipSpace();
        }
        if (atEnd()) {
            throw new ConfigException(location(), "expected '}' to close the " + section + " section but the file ended");
        }
        return statements;
    }

    private Conditional conditional(String section) {
        List<Conditional.Branch> branches = new ArrayList<>();
        Location at = location();
        keyword("if");
        branches.add(branch(section, at));
        List<Statement> otherwise = List.of();
        while (true) {
            int mark = pos;
            int markLine = line;
            int markColumn = column;
            skipSpace();
            if (!lookingAtKeyword("else")) {
                pos = mark;
                line = markLine;
                column = markColumn;
                break;
            }
            keyword("else");
            skipSpace();
            if (lookingAtKeyword("if")) {
                Location branchAt = location();
                keyword("if");
                branches.add(branch(section, branchAt));
            } else {
                expect('{');
                otherwise = statements(section);
                expect('}');
                break;
            }
        }
        return new Conditional(branches, otherwise);
    }

    private Conditional.Branch branch(String section, Location at) {
        skipSpace();
        Expression condition = orExpression();
        skipSpace();
        expect('{');
        List<Statement> body = statements(section);
        expect('}');
        return new Conditional.Branch(condition, body, at);
    }

    private PluginDefinition plugin(String section) {
        Location at = location();
        String name = name();
        if (name.isEmpty()) {
            throw new ConfigException(at, "expected a plugin name or 'if' in the " + section + " section but found "
                    + describeHere());
        }
        skipSpace();
        if (atEnd() || peek() != '{') {
            throw new ConfigException(location(), "expected '{' after plugin name '" + name + "' but found "
                    + describeHere());
        }
        return pluginBody(name, at);
    }

    private PluginDefinition pluginBody(String name, Location at) {
        expect('{');
        List<Setting> settings = new ArrayList<>();
        skipSpace();
        while (!atEnd() && peek() != '}') {
            Location settingAt = location();
            String key = name();
            if (key.isEmpty()) {
                throw new ConfigException(settingAt, "expected a setting name or '}' in plugin '" + name
                        + "' but found " + describeHere());
            }
            skipSpace();
            expectArrow();
            skipSpace();
            Object value = value();
            settings.add(new Setting(key, value, settingAt));
            skipSpace();
        }
        expect('}');
        return new PluginDefinition(name, settings, at);
    }

    private Object value() {
        if (atEnd()) {
            throw new ConfigException(location(), "expected a value but the file ended");
        }
        char c = peek();
        if (c == '"' || c == '\'') {
            Location at = location();
            return substitute(string(), at);
        }
        if (c == '[') {
            return array();
        }
        if (c == '{') {
            return hash();
        }
        if (c == '-' || Character.isDigit(c)) {
            return number();
        }
        if (isBareWordStart(c)) {
            Location at = location();
            String word = bareWord();
            if (word.equals("true") || word.equals("false")) {
                return Boolean.valueOf(word);
            }
            int mark = pos;
            int markLine = line;
            int markColumn = column;
            skipSpace();
            if (!atEnd() && peek() == '{') {
                return pluginBody(word, at);
            }
            pos = mark;
            line = markLine;
            column = markColumn;
            return new BareWord(word);
        }
        throw new ConfigException(location(), "expected a value (string, number, bareword, array or hash) but found "
                + describeHere());
    }

    private List<Object> array() {
        expect('[');
        List<Object> values = new ArrayList<>();
        skipSpace();
        while (!atEnd() && peek() != ']') {
            values.add(value());
            skipSpace();
            if (!atEnd() && peek() == ',') {
                advance();
                skipSpace();
            } else if (!atEnd() && peek() != ']') {
                throw new ConfigException(location(), "expected ',' or ']' in array but found " + describeHere());
            }
        }
        expect(']');
        return values;
    }

    private Map<String, Object> hash() {
        expect('{');
        Map<String, Object> values = new LinkedHashMap<>();
        skipSpace();
        while (!atEnd() && peek() != '}') {
            Object key;
            char c = peek();
            if (c == '"' || c == '\'') {
                key = string();
            } else if (c == '-' || Character.isDigit(c)) {
                key = number();
            } else if (isBareWordStart(c)) {
                key = bareWord();
            } else {
                throw new ConfigException(location(), "expected a hash key (string, number or bareword) or '}' but found "
                        + describeHere());
            }
            skipSpace();
            expectArrow();
            skipSpace();
            values.put(String.valueOf(key), value());
            skipSpace();
            if (!atEnd() && peek() == ',') {
                advance();
                skipSpace();
            }
        }
        expect('}');
        return values;
    }

    private Object number() {
        Location at = location();
        int start = pos;
        if (peek() == '-') {
            advance();
        }
        while (!atEnd() && Character.isDigit(peek())) {
            advance();
        }
        boolean decimal = false;
        if (!atEnd() && peek() == '.') {
            decimal = true;
            advance();
            while (!atEnd() && Character.isDigit(peek())) {
                advance();
            }
        }
        String digits = text.substring(start, pos);
        if (digits.equals("-") || digits.equals("-.") || digits.equals(".")) {
            throw new ConfigException(at, "expected a number but found '" + digits + "'");
        }
        if (!atEnd() && (Character.isLetter(peek()) || peek() == '_')) {
            throw new ConfigException(location(), "expected a number but found '" + digits + peek()
                    + "...': quote values that are not numbers");
        }
        try {
            return decimal ? (Object) Double.parseDouble(digits) : (Object) Long.parseLong(digits);
        } catch (NumberFormatException e) {
            throw new ConfigException(at, "number out of range: " + digits);
        }
    }

    /** A double- or single-quoted string; {@code \\ \" \' \n \r \t \0} are escapes, other backslashes stay. */
    private String string() {
        Location at = location();
        char quote = peek();
        advance();
        StringBuilder out = new StringBuilder();
        while (true) {
            if (atEnd()) {
                throw new ConfigException(at, "unterminated string: expected a closing " + quote);
            }
            char c = peek();
            advance();
            if (c == quote) {
                return out.toString();
            }
            if (c == '\\' && !atEnd()) {
                char next = peek();
                switch (next) {
                    case '\\', '"', '\'' -> { out.append(next); advance(); }
                    case 'n' -> { out.append('\n'); advance(); }
                    case 'r' -> { out.append('\r'); advance(); }
                    case 't' -> { out.append('\t'); advance(); }
                    case '0' -> { out.append('\0'); advance(); }
                    default -> out.append('\\');
                }
            } else {
                out.append(c);
            }
        }
    }

    /**
     * Logstash's {@code ${VAR}} and {@code ${VAR:default}} in setting values: from the keystore, then the environment
     * (then Java system properties, for embedding); a variable that is not set and has no default is an error at
     * start.
     */
    private String substitute(String value, Location at) {
        try {
            return Variables.expand(value, variables);
        } catch (Variables.Unset e) {
            throw new ConfigException(at, "variable " + e.getMessage());
        }
    }

    // ---- conditions: or < xor < and/nand < not/parentheses/comparison

    private Expression orExpression() {
        Expression left = xorExpression();
        while (skipSpaceThenKeyword("or")) {
            left = new Expression.Bool(Expression.BooleanOperator.OR, left, xorExpression());
        }
        return left;
    }

    private Expression xorExpression() {
        Expression left = andExpression();
        while (skipSpaceThenKeyword("xor")) {
            left = new Expression.Bool(Expression.BooleanOperator.XOR, left, andExpression());
        }
        return left;
    }

    private Expression andExpression() {
        Expression left = unary();
        while (true) {
            if (skipSpaceThenKeyword("and")) {
                left = new Expression.Bool(Expression.BooleanOperator.AND, left, unary());
            } else if (skipSpaceThenKeyword("nand")) {
                left = new Expression.Bool(Expression.BooleanOperator.NAND, left, unary());
            } else {
                return left;
            }
        }
    }

    private boolean skipSpaceThenKeyword(String keyword) {
        int mark = pos;
        int markLine = line;
        int markColumn = column;
        skipSpace();
        if (lookingAtKeyword(keyword)) {
            keyword(keyword);
            return true;
        }
        pos = mark;
        line = markLine;
        column = markColumn;
        return false;
    }

    private Expression unary() {
        skipSpace();
        if (atEnd()) {
            throw new ConfigException(location(), "expected a condition but the file ended");
        }
        if (peek() == '!' && peekAt(1) != '=' && peekAt(1) != '~') {
            advance();
            return new Expression.Not(unary());
        }
        if (peek() == '(') {
            advance();
            Expression inner = orExpression();
            skipSpace();
            expect(')');
            return inner;
        }
        Expression.Value left = rvalue();
        int mark = pos;
        int markLine = line;
        int markColumn = column;
        skipSpace();
        if (lookingAt("==") || lookingAt("!=") || lookingAt("<=") || lookingAt(">=")
                || (lookingAt("<") && !lookingAt("<=")) || (lookingAt(">") && !lookingAt(">="))) {
            Expression.CompareOperator operator = compareOperator();
            skipSpace();
            return new Expression.Compare(operator, left, rvalue());
        }
        if (lookingAt("=~") || lookingAt("!~")) {
            boolean negated = peek() == '!';
            advance();
            advance();
            skipSpace();
            Location at = location();
            Expression.Value right = rvalue();
            if (right instanceof Expression.Regexp regexp) {
                return new Expression.Match(negated, left, regexp.pattern());
            }
            if (right instanceof Expression.Literal literal && literal.value() instanceof String s) {
                return new Expression.Match(negated, left, compileRegex(s, at));
            }
            throw new ConfigException(at, "expected a regexp (/.../) or a string after " + (negated ? "!~" : "=~"));
        }
        if (lookingAtKeyword("in")) {
            keyword("in");
            skipSpace();
            return new Expression.In(false, left, rvalue());
        }
        if (lookingAtKeyword("not")) {
            keyword("not");
            skipSpace();
            if (!lookingAtKeyword("in")) {
                throw new ConfigException(location(), "expected 'in' after 'not' but found " + describeHere());
            }
            keyword("in");
            skipSpace();
            return new Expression.In(true, left, rvalue());
        }
        pos = mark;
        line = markLine;
        column = markColumn;
        return new Expression.Truthy(left);
    }

    private Expression.CompareOperator compareOperator() {
        for (Expression.CompareOperator operator : new Expression.CompareOperator[] {
                Expression.CompareOperator.EQ, Expression.CompareOperator.NE, Expression.CompareOperator.LE,
                Expression.CompareOperator.GE, Expression.CompareOperator.LT, Expression.CompareOperator.GT}) {
            if (lookingAt(operator.symbol)) {
                for (int i = 0; i < operator.symbol.length(); i++) {
                    advance();
                }
                return operator;
            }
        }
        throw new ConfigException(location(), "expected a comparison operator");
    }

    private Expression.Value rvalue() {
        if (atEnd()) {
            throw new ConfigException(location(), "expected a value in the condition but the file ended");
        }
        char c = peek();
        Location at = location();
        if (c == '"' || c == '\'') {
            return new Expression.Literal(string());
        }
        if (c == '-' || Character.isDigit(c)) {
            return new Expression.Literal(number());
        }
        if (c == '/') {
            return new Expression.Regexp(regexp());
        }
        if (c == '[') {
            if (looksLikeSelector()) {
                return new Expression.Field(selector(at));
            }
            return new Expression.ListLiteral(array());
        }
        throw new ConfigException(at, "expected a field reference like [field], a string, a number, an array or a"
                + " regexp in the condition but found " + describeHere());
    }

    /** {@code [x]} where x has no brackets, commas or quotes and is not blank is a selector, as in Logstash's grammar. */
    private boolean looksLikeSelector() {
        int close = text.indexOf(']', pos + 1);
        if (close < 0) {
            return false;
        }
        String inner = text.substring(pos + 1, close);
        return !inner.isBlank() && inner.chars().noneMatch(ch -> ch == '[' || ch == ',' || ch == '"' || ch == '\'');
    }

    private FieldReference selector(Location at) {
        int start = pos;
        while (!atEnd() && peek() == '[') {
            int close = text.indexOf(']', pos);
            if (close < 0) {
                throw new ConfigException(location(), "expected ']' to close the field reference");
            }
            while (pos <= close) {
                advance();
            }
        }
        try {
            return FieldReference.of(text.substring(start, pos));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(at, e.getMessage());
        }
    }

    private Pattern regexp() {
        Location at = location();
        expect('/');
        StringBuilder out = new StringBuilder();
        while (true) {
            if (atEnd()) {
                throw new ConfigException(at, "unterminated regexp: expected a closing /");
            }
            char c = peek();
            advance();
            if (c == '/') {
                break;
            }
            if (c == '\\' && !atEnd() && peek() == '/') {
                out.append('/');
                advance();
            } else {
                out.append(c);
                if (c == '\\' && !atEnd()) {
                    out.append(peek());
                    advance();
                }
            }
        }
        return compileRegex(out.toString(), at);
    }

    private static Pattern compileRegex(String regex, Location at) {
        try {
            return Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new ConfigException(at, "invalid regexp /" + regex + "/: " + e.getDescription());
        }
    }

    // ---- lexical helpers

    /** A plugin or setting name: {@code [A-Za-z0-9_-]+} or a quoted string. */
    private String name() {
        if (!atEnd() && (peek() == '"' || peek() == '\'')) {
            return string();
        }
        int start = pos;
        while (!atEnd() && (Character.isLetterOrDigit(peek()) || peek() == '_' || peek() == '-')) {
            advance();
        }
        return text.substring(start, pos);
    }

    private String word() {
        int start = pos;
        while (!atEnd() && Character.isLetterOrDigit(peek())) {
            advance();
        }
        return text.substring(start, pos);
    }

    private static boolean isBareWordStart(char c) {
        return Character.isLetter(c) || c == '_';
    }

    private String bareWord() {
        int start = pos;
        while (!atEnd() && (Character.isLetterOrDigit(peek()) || peek() == '_')) {
            advance();
        }
        return text.substring(start, pos);
    }

    private boolean lookingAt(String s) {
        return text.startsWith(s, pos);
    }

    private boolean lookingAtKeyword(String keyword) {
        if (!text.startsWith(keyword, pos)) {
            return false;
        }
        int end = pos + keyword.length();
        return end >= text.length() || !(Character.isLetterOrDigit(text.charAt(end)) || text.charAt(end) == '_');
    }

    private void keyword(String keyword) {
        for (int i = 0; i < keyword.length(); i++) {
            advance();
        }
    }

    private void expect(char c) {
        if (atEnd() || peek() != c) {
            throw new ConfigException(location(), "expected '" + c + "' but found " + describeHere());
        }
        advance();
    }

    private void expectArrow() {
        if (!lookingAt("=>")) {
            throw new ConfigException(location(), "expected '=>' but found " + describeHere());
        }
        advance();
        advance();
    }

    private String describeHere() {
        if (atEnd()) {
            return "the end of the file";
        }
        int end = pos;
        while (end < text.length() && end - pos < 20 && !Character.isWhitespace(text.charAt(end))) {
            end++;
        }
        return "'" + (end == pos ? String.valueOf(text.charAt(pos)) : text.substring(pos, end)) + "'";
    }

    private void skipSpace() {
        while (!atEnd()) {
            char c = peek();
            if (c == '#') {
                while (!atEnd() && peek() != '\n') {
                    advance();
                }
            } else if (Character.isWhitespace(c)) {
                advance();
            } else {
                return;
            }
        }
    }

    private boolean atEnd() {
        return pos >= text.length();
    }

    private char peek() {
        return text.charAt(pos);
    }

    private char peekAt(int ahead) {
        return pos + ahead < text.length() ? text.charAt(pos + ahead) : '\0';
    }

    private void advance() {
        if (text.charAt(pos) == '\n') {
            line++;
            column = 1;
        } else {
            column++;
        }
        pos++;
    }

    private Location location() {
        return new Location(source, line, column);
    }
}
