// The `sentiment` package (AFINN-165) ships no type declarations; this covers what the bench calls.
declare module 'sentiment' {
  class Sentiment {
    analyze(phrase: string): { score: number; comparative: number };
  }
  export default Sentiment;
}
