/**
 * The SOQL parser: recursive descent over the tokens, for the subset clients of the sandbox send
 * (`SELECT fields | COUNT() FROM object [WHERE …] [ORDER BY …] [LIMIT n] [OFFSET n]`). It checks
 * syntax only; names are resolved against the org's describe when the query runs.
 *
 * As in Salesforce, a condition that mixes AND and OR needs parentheses (`a AND b OR c` is
 * refused at the OR), and NOT applies to the condition right after it.
 */
import type { ComparisonOperator, Condition, FieldRef, Literal, OrderItem, SoqlQuery } from './ast.js';
import { unexpectedToken } from './errors.js';
import { tokenize, type Token } from './lexer.js';

/** Words that cannot name a field or an object (Salesforce's reserved words in the subset). */
const RESERVED = new Set([
  'AND',
  'ASC',
  'DESC',
  'EXCLUDES',
  'FIRST',
  'FROM',
  'GROUP',
  'HAVING',
  'IN',
  'INCLUDES',
  'LAST',
  'LIKE',
  'LIMIT',
  'NOT',
  'NULL',
  'NULLS',
  'OR',
  'SELECT',
  'WHERE',
  'WITH',
]);

const COMPARISONS: Record<string, ComparisonOperator> = {
  '=': '=',
  '!=': '!=',
  '<>': '!=',
  '<': '<',
  '<=': '<=',
  '>': '>',
  '>=': '>=',
};

class Parser {
  private at = 0;

  constructor(
    private readonly text: string,
    private readonly tokens: Token[],
  ) {}

  query(): SoqlQuery {
    this.keyword('SELECT');
    const select = this.selectList();
    this.keyword('FROM');
    const object = this.name(false);
    const where = this.takeKeyword('WHERE') ? this.condition() : null;
    let orderBy: OrderItem[] = [];
    if (this.takeKeyword('ORDER')) {
      this.keyword('BY');
      orderBy = this.orderList();
    }
    const limit = this.takeKeyword('LIMIT') ? this.count().value : null;
    const offsetToken = this.takeKeyword('OFFSET') ? this.count() : null;
    const offset = offsetToken && { value: offsetToken.value, start: offsetToken.start };
    const end = this.peek();
    if (end.kind !== 'eof') this.fail(end);
    return {
      text: this.text,
      select,
      from: { name: object.text, start: object.start },
      where,
      orderBy,
      limit,
      offset,
    };
  }

  private selectList(): SoqlQuery['select'] {
    const first = this.peek();
    const after = this.tokens[this.at + 1];
    if (isWord(first, 'COUNT') && after?.kind === 'symbol' && after.text === '(') {
      this.at += 2;
      this.symbol(')');
      return { kind: 'count', start: first.start };
    }
    const fields = [this.field()];
    while (this.takeSymbol(',')) fields.push(this.field());
    return { kind: 'fields', fields };
  }

  /** `a AND b AND c` or `a OR b OR c`; a different connective in the same run is refused. */
  private condition(): Condition {
    const first = this.unary();
    const connective = this.peek();
    const kind = isWord(connective, 'AND') ? 'and' : isWord(connective, 'OR') ? 'or' : null;
    if (!kind) return first;
    const operands = [first];
    for (;;) {
      const next = this.peek();
      if (isWord(next, kind === 'and' ? 'OR' : 'AND')) this.fail(next);
      if (!isWord(next, kind)) break;
      this.at++;
      operands.push(this.unary());
    }
    return { kind, operands };
  }

  private unary(): Condition {
    if (this.takeKeyword('NOT')) return { kind: 'not', operand: this.unary() };
    if (this.takeSymbol('(')) {
      const inner = this.condition();
      this.symbol(')');
      return inner;
    }
    return this.fieldExpression();
  }

  private fieldExpression(): Condition {
    const field = this.field();
    const token = this.peek();
    if (token.kind === 'symbol' && COMPARISONS[token.text]) {
      this.at++;
      return {
        kind: 'compare',
        field,
        operator: COMPARISONS[token.text] as ComparisonOperator,
        value: this.value(),
      };
    }
    if (this.takeKeyword('LIKE')) return { kind: 'compare', field, operator: 'LIKE', value: this.value() };
    const negated = this.takeKeyword('NOT');
    if (this.takeKeyword('IN')) {
      this.symbol('(');
      const values = [this.value()];
      while (this.takeSymbol(',')) values.push(this.value());
      this.symbol(')');
      return { kind: 'in', field, negated, values };
    }
    return this.fail(this.peek());
  }

  private value(): Literal {
    const token = this.next();
    const { start, text } = token;
    switch (token.kind) {
      case 'string':
        return { kind: 'string', start, text, value: token.value, wildcards: token.wildcards };
      case 'number':
        return { kind: 'number', start, text, value: token.value };
      case 'date':
        return { kind: 'date', start, text, value: token.value };
      case 'datetime':
        return { kind: 'datetime', start, text, value: token.value };
      case 'identifier': {
        const word = text.toUpperCase();
        if (word === 'NULL') return { kind: 'null', start, text };
        if (word === 'TRUE' || word === 'FALSE')
          return { kind: 'boolean', start, text, value: word === 'TRUE' };
        if (word === 'TODAY' || word === 'YESTERDAY')
          return { kind: 'relative', start, text, name: word, days: 0 };
        if (word === 'LAST_N_DAYS') {
          this.symbol(':');
          const days = this.count();
          return {
            kind: 'relative',
            start,
            text: this.text.slice(start, days.end),
            name: word,
            days: days.value,
          };
        }
        return this.fail(token);
      }
      default:
        return this.fail(token);
    }
  }

  private orderList(): OrderItem[] {
    const items: OrderItem[] = [];
    do {
      const field = this.field();
      let descending = false;
      if (this.takeKeyword('DESC')) descending = true;
      else this.takeKeyword('ASC');
      let nullsFirst = !descending;
      if (this.takeKeyword('NULLS')) {
        if (this.takeKeyword('FIRST')) nullsFirst = true;
        else if (this.takeKeyword('LAST')) nullsFirst = false;
        else this.fail(this.peek());
      }
      items.push({ field, descending, nullsFirst });
    } while (this.takeSymbol(','));
    return items;
  }

  /** A field name or a path through parents. */
  private field(): FieldRef {
    const token = this.name(true);
    return { segments: token.text.split('.'), text: token.text, start: token.start };
  }

  /** An identifier that is not a reserved word; a dotted path only where `dotted`. */
  private name(dotted: boolean): Token {
    const token = this.peek();
    if (token.kind !== 'identifier' || RESERVED.has(token.text.toUpperCase())) return this.fail(token);
    if (!dotted && token.text.includes('.')) return this.fail(token);
    this.at++;
    return token;
  }

  /** A whole number of zero or more (LIMIT, OFFSET, LAST_N_DAYS:n). */
  private count(): { value: number; start: number; end: number } {
    const token = this.peek();
    if (token.kind !== 'number' || !/^\d+$/.test(token.text)) return this.fail(token);
    this.at++;
    return { value: token.value, start: token.start, end: token.start + token.text.length };
  }

  private keyword(word: string): void {
    if (!this.takeKeyword(word)) this.fail(this.peek());
  }

  private takeKeyword(word: string): boolean {
    if (!isWord(this.peek(), word)) return false;
    this.at++;
    return true;
  }

  private symbol(symbol: string): void {
    if (!this.takeSymbol(symbol)) this.fail(this.peek());
  }

  private takeSymbol(symbol: string): boolean {
    const token = this.peek();
    if (token.kind !== 'symbol' || token.text !== symbol) return false;
    this.at++;
    return true;
  }

  private peek(): Token {
    return this.tokens[this.at] as Token;
  }

  private next(): Token {
    const token = this.peek();
    if (token.kind !== 'eof') this.at++;
    return token;
  }

  private fail(token: Token): never {
    throw unexpectedToken(this.text, token.start, token.text);
  }
}

function isWord(token: Token | undefined, word: string): boolean {
  return token?.kind === 'identifier' && token.text.toUpperCase() === word.toUpperCase();
}

/** Parses SOQL text; a syntax error is a `SalesforceApiError(400, 'MALFORMED_QUERY', …)`. */
export function parseSoql(text: string): SoqlQuery {
  return new Parser(text, tokenize(text)).query();
}
