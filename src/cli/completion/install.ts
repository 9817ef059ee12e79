/**
 * Which shells aigw completes and how a person installs each script. Kept apart from the generators so
 * that registering `aigw completion` (on every start) does not load them.
 */
export type Shell = 'bash' | 'zsh' | 'fish';
export const SHELLS: readonly Shell[] = ['bash', 'zsh', 'fish'];

/** A line for a shell's startup file. */
export interface RcLine {
  file: string;
  line: string;
  when: string;
}

/** How to install each shell's script: the README, the man page, `aigw completion --help` and a test use it. */
export const INSTALL: Record<Shell, { file: string; commands: string[]; rc?: RcLine }> = {
  bash: {
    file: 'aigw.bash',
    commands: [
      'mkdir -p ~/.local/share/bash-completion/completions',
      'aigw completion bash > ~/.local/share/bash-completion/completions/aigw',
    ],
    // bash-completion loads that file when TAB is first pressed; a bash without it loaded (a fresh HOME, a
    // minimal image: Debian loads it from /etc/skel's .bashrc) never reads it, hence the ~/.bashrc line.
    rc: {
      file: '~/.bashrc',
      line: 'source ~/.local/share/bash-completion/completions/aigw',
      when: 'unless bash-completion is loaded there (it finds the file by itself)',
    },
  },
  zsh: {
    file: '_aigw',
    commands: ['mkdir -p ~/.zfunc && aigw completion zsh > ~/.zfunc/_aigw'],
    rc: { file: '~/.zshrc', line: 'fpath=(~/.zfunc $fpath); autoload -Uz compinit && compinit', when: 'before compinit runs' },
  },
  fish: {
    file: 'aigw.fish',
    commands: ['mkdir -p ~/.config/fish/completions', 'aigw completion fish > ~/.config/fish/completions/aigw.fish'],
  },
};

/** The install steps as lines to show. */
export function installLines(shell: Shell): string[] {
  const { commands, rc } = INSTALL[shell];
  return [...commands, ...(rc ? [`# and in ${rc.file}, ${rc.when}:`, rc.line] : [])];
}
