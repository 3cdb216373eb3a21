import { Command, Stdio } from '@rt/process';

describe('Stdio', () => {
  it('has one value per kind', () => {
    expect(Stdio.piped().kind).toBe('piped');
    expect(Stdio.inherit().kind).toBe('inherit');
    expect(Stdio.null().kind).toBe('null');
    expect(Stdio.piped()).toBe(Stdio.piped());
  });

  it('is accepted as a value or as its string', async () => {
    const a = await new Command('echo').arg('x').stdout(Stdio.piped()).output();
    const b = await new Command('echo').arg('x').stdout('piped').output();
    expect(a.stdout.toString()).toBe(b.stdout.toString());
  });

  it('rejects anything else, naming it', () => {
    expect(() => new Command('x').stdin('ignore' as 'null')).toThrow(TypeError);
    expect(() => new Command('x').stderr(3 as unknown as Stdio)).toThrow('got 3');
  });
});
