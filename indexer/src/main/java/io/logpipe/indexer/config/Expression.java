package io.logpipe.indexer.config;

import java.util.List;
import java.util.regex.Pattern;

/** A condition of {@code if}, as written; {@code pipeline.Conditions} evaluates it against events. */
public sealed interface Expression {
    enum BooleanOperator { AND, OR, XOR, NAND }

    enum CompareOperator {
        EQ("=="), NE("!="), LT("<"), GT(">"), LE("<="), GE(">=");

        public final String symbol;

        CompareOperator(String symbol) {
            this.symbol = symbol;
        }
    }

    record Bool(BooleanOperator operator, Expression left, Expression right) implements Expression {
    }

    record Not(Expression operand) implements Expression {
    }

    record Compare(CompareOperator operator, Value left, Value right) implements Expression {
    }

    /** {@code left =~ /re/} or, negated, {@code left !~ /re/}. */
    record Match(boolean negated, Value left, Pattern pattern) implements Expression {
    }

    /** {@code left in right} or {@code left not in right}. */
    record In(boolean negated, Value left, Value right) implements Expression {
    }

    /** A value alone: true when it exists and is neither false nor null. */
    record Truthy(Value value) implements Expression {
    }

    /** An operand: a field, a literal (string, number, array) or a regexp. */
    sealed interface Value {
    }

    record Field(io.logpipe.indexer.event.FieldReference reference) implements Value {
    }

    record Literal(Object value) implements Value {
    }

    record ListLiteral(List<Object> values) implements Value {
    }

    record Regexp(Pattern pattern) implements Value {
    }
}
