#include <cstdio>

int main()
{
    std::puts("vibrascope (skeleton)");
    return 0;
}
