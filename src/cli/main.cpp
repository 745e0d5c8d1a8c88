// The pcmsim command: subcommands register themselves here; each lives in cmd_<name>.cpp.
#include <iostream>
int main() { std::cout << "pcmsim\n"; }
